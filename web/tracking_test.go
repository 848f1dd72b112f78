package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// approvedReview is a review fixture taken through submit and approval.
func approvedReview(t *testing.T) *reviewFixture {
	t.Helper()
	f := newReviewFixture(t)
	a := f.app
	if r := a.api("POST", f.base+"/submit", a.token(f.users[assessor]), `{"note":"Ready."}`, "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := a.api("POST", f.base+"/approve", a.token(f.users[reviewer]), `{"comment":"Fine."}`, "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	if s := f.status(t); s != "approved" {
		t.Fatalf("status: %s", s)
	}
	return f
}

type assessmentHead struct {
	Revision  int
	StateHash string `json:"state_hash"`
}

// Mitigation tracking goes on after approval without touching the approved content (issue 11).
func TestTrackingAfterApproval(t *testing.T) {
	f := approvedReview(t)
	a := f.app
	var before assessmentHead
	a.api("GET", f.base, a.token(f.users[owner]), "").json(t, &before)
	var reg findingsBody
	a.api("GET", f.base+"/findings", a.token(f.users[owner]), "").json(t, &reg)
	var findingID, mitigation string
	for _, fd := range reg.Findings {
		if len(fd.Mitigations) > 0 {
			findingID, mitigation = fd.ID, fd.Mitigations[0]
			break
		}
	}
	if mitigation == "" {
		t.Fatal("the fixture has no mitigation")
	}
	path := f.base + "/mitigations/" + mitigation
	ui := strings.TrimPrefix(f.base, "/api/v1")

	// Viewers do not track, outsiders do not see, titles are part of the approved content.
	if r := a.api("PATCH", path, a.token(f.users[viewer]), `{"status":"implemented"}`); r.status != http.StatusForbidden {
		t.Errorf("viewer tracked: %d %s", r.status, r.body)
	}
	if r := a.api("PATCH", path, a.token(f.users[nonMember]), `{"status":"implemented"}`); r.status != http.StatusNotFound {
		t.Errorf("non-member tracked: %d %s", r.status, r.body)
	}
	if r := a.api("PATCH", path, a.token(f.users[assessor]), `{"title":"Renamed"}`); r.status != http.StatusUnprocessableEntity {
		t.Errorf("title changed after approval: %d %s", r.status, r.body)
	}
	// Verified needs evidence, as before approval.
	if r := a.api("PATCH", path, a.token(f.users[assessor]), `{"status":"verified"}`); r.status != http.StatusUnprocessableEntity {
		t.Errorf("verified without evidence: %d %s", r.status, r.body)
	}
	r := a.api("PATCH", path, a.token(f.users[assessor]), `{"status":"implemented","due":"2027-03-01"}`)
	if r.status != http.StatusOK {
		t.Fatalf("tracking: %d %s", r.status, r.body)
	}
	var tracked struct {
		Mitigation struct{ Status, Due string }
		Tracking   struct {
			Seq    int
			ByName string `json:"by_name"`
		}
		StateHash string `json:"state_hash"`
	}
	r.json(t, &tracked)
	if tracked.Mitigation.Status != "implemented" || tracked.Mitigation.Due != "2027-03-01" || tracked.Tracking.Seq != 1 {
		t.Errorf("tracked: %+v", tracked)
	}
	var after assessmentHead
	a.api("GET", f.base, a.token(f.users[owner]), "").json(t, &after)
	if after != before || tracked.StateHash != before.StateHash {
		t.Errorf("the approved content moved: before %+v after %+v", before, after)
	}

	// The finding page shows the approved values beside the tracking, and the form records more.
	web := a.signedIn(f.users[assessor])
	page := web.get(ui + "/findings/" + findingID)
	if !page.has("track-mitigation-"+mitigation) || !page.has("tracking-"+mitigation) {
		t.Fatalf("finding page lacks the tracking form or history:\n%s", page.body)
	}
	form := url.Values{"finding": {findingID}, "status": {"verified"}, "owner": {strconv.FormatInt(f.users[assessor].ID, 10)}, "due": {"2027-03-01"}}
	if r := web.post(ui+"/mitigations/"+mitigation+"/track", form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "evidence") {
		t.Errorf("verified without evidence through the form: %d", r.status)
	}
	form.Set("evidence", "Pen test report PT-7 shows the filter working.")
	if r := web.post(ui+"/mitigations/"+mitigation+"/track", form); r.status != http.StatusSeeOther {
		t.Errorf("tracking through the form: %d", r.status)
	}
	if page := web.get(ui + "/findings/" + findingID); !strings.Contains(page.body, "Tracking recorded") || !strings.Contains(page.body, "2 changes recorded since approval") {
		t.Errorf("the finding page does not show the recorded tracking:\n%s", page.body)
	}
	a.api("GET", f.base, a.token(f.users[owner]), "").json(t, &after)
	if after != before {
		t.Errorf("the form moved the approved content: %+v", after)
	}
	// A viewer sees the tracking but gets no form.
	if page := a.signedIn(f.users[viewer]).get(ui + "/findings/" + findingID); page.has("track-mitigation-"+mitigation) || !page.has("tracking-"+mitigation) {
		t.Errorf("viewer's finding page: form %v, history %v", page.has("track-mitigation-"+mitigation), page.has("tracking-"+mitigation))
	}
}

// The report of an approved assessment shows the approved content and, apart from it, the
// tracking since approval; signed exports still verify with the standard tools (issue 11).
func TestReportShowsTrackingSinceApproval(t *testing.T) {
	sshKeygen := requireTool(t, "ssh-keygen", "openssh-client")
	pdfsig := requireTool(t, "pdfsig", "poppler-utils")
	pdftotext := requireTool(t, "pdftotext", "poppler-utils")
	f := approvedReview(t)
	a := f.app
	ui := strings.TrimPrefix(f.base, "/api/v1")
	var head assessmentHead
	a.api("GET", f.base, a.token(f.users[owner]), "").json(t, &head)
	c := a.signedIn(f.users[viewer])
	if page := c.get(ui + "/report"); !strings.Contains(page.body, "Mitigation tracking since approval") || !strings.Contains(page.body, "No change since approval.") {
		t.Fatalf("approved report before tracking:\n%s", page.body)
	}
	var reg findingsBody
	a.api("GET", f.base+"/findings", a.token(f.users[owner]), "").json(t, &reg)
	var mitigation string
	for _, fd := range reg.Findings {
		if len(fd.Mitigations) > 0 {
			mitigation = fd.Mitigations[0]
			break
		}
	}
	if r := a.api("PATCH", f.base+"/mitigations/"+mitigation, a.token(f.users[assessor]),
		`{"status":"verified","evidence":"Pen test <b>PT-7</b> shows the filter working."}`); r.status != http.StatusOK {
		t.Fatalf("tracking: %d %s", r.status, r.body)
	}

	page := c.get(ui + "/report")
	for _, want := range []string{"Mitigation tracking since approval", "→ Verified", "Pen test &lt;b&gt;PT-7&lt;/b&gt;", head.StateHash} {
		if !strings.Contains(page.body, want) {
			t.Errorf("report preview lacks %q", want)
		}
	}
	if strings.Contains(page.body, "<b>PT-7") || strings.Contains(page.body, "No change since approval.") {
		t.Error("report preview: raw HTML from the evidence, or no change claimed")
	}
	md, sig := download(t, c, ui+"/report.md"), download(t, c, ui+"/report.md.sig")
	if !strings.Contains(string(md), "→ Verified") || !strings.Contains(string(md), "`"+head.StateHash+"`") {
		t.Errorf("Markdown lacks the tracking or the approved hash:\n%s", md)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("allowed_signers", download(t, a.anonymous(), "/signing/allowed_signers"))
	cmd := exec.Command(sshKeygen, "-Y", "verify", "-f", dir+"/allowed_signers", "-I", "piaf-reports", "-n", "piaf-report", "-s", write("report.md.sig", sig))
	cmd.Stdin = bytes.NewReader(md)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Good") {
		t.Errorf("ssh-keygen -Y verify: %v\n%s", err, out)
	}
	pdf := write("report.pdf", download(t, c, ui+"/report.pdf"))
	if out, _ := exec.Command(pdfsig, pdf).CombinedOutput(); !strings.Contains(string(out), "Signature is Valid.") {
		t.Errorf("pdfsig:\n%s", out)
	}
	text, err := exec.Command(pdftotext, pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if flat := strings.Join(strings.Fields(string(text)), " "); !strings.Contains(flat, "Mitigation tracking since approval") || !strings.Contains(flat, "→ Verified") {
		t.Errorf("PDF text lacks the tracking:\n%s", flat)
	}
	// The approved content did not move, and the export record says what the report showed.
	var after assessmentHead
	a.api("GET", f.base, a.token(f.users[owner]), "").json(t, &after)
	if after != head {
		t.Errorf("the approved content moved: %+v, was %+v", after, head)
	}
	if page := c.get(ui + "/report"); !strings.Contains(page.body, "with tracking to change 1") {
		t.Errorf("the export list does not say what the exports showed:\n%s", page.body)
	}
}
