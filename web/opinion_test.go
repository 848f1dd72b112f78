package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// The opinion and the consultation record are a reviewer's: an assessor is refused with a
// message on the page (403) and through the API; the reviewer's is attributed on the overview
// and in the API; after approval it is frozen (409).
func TestOpinionIsTheReviewers(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	rev := f.users[reviewer]
	if err := a.store.UpdateUser(t.Context(), rev.ID, "Rita Reviewer", false); err != nil {
		t.Fatal(err)
	}
	overview := fmt.Sprintf("/assessments/%d", f.id)
	form := func(revision string) url.Values {
		return url.Values{"revision": {revision}, "dpo_opinion": {"Proportionate."}, "views_sought": {"no"}, "views": {"Not practicable."}}
	}
	ass := a.signedIn(f.users[assessor])
	if page := ass.get(overview); page.has("consultation-form") || !page.has("consultation-who") {
		t.Error("the assessor is offered the opinion form")
	}
	etag := strings.Trim(f.etag(t), `"`)
	r := ass.post(overview+"/consultation", form(etag))
	if r.status != http.StatusForbidden || !r.has("consultation-refused") || !strings.Contains(r.body, "Only a reviewer of this project gives") {
		t.Fatalf("assessor posts the opinion: %d", r.status)
	}
	if r := a.api("PUT", "/api/v1"+overview+"/consultation", a.token(f.users[assessor]), `{"dpo_opinion":"mine"}`, "If-Match", etag); r.status != http.StatusForbidden {
		t.Errorf("assessor through the API: %d %s", r.status, r.body)
	}
	if r := a.api("PUT", "/api/v1"+overview+"/consultation", a.token(rev), `{"views_sought":"maybe","views":"x"}`, "If-Match", etag); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"views_sought"`) {
		t.Errorf("invalid consultation: %d %s", r.status, r.body)
	}

	rc := a.signedIn(rev)
	if page := rc.get(overview); !page.has("consultation-form") {
		t.Fatal("the reviewer is not offered the opinion form")
	}
	if r := rc.post(overview+"/consultation", form("1")); r.status != http.StatusConflict || !strings.Contains(r.body, "Someone else changed the assessment meanwhile") ||
		!strings.Contains(r.body, "Not practicable.") {
		t.Errorf("stale opinion: %d; want 409 with the text kept", r.status)
	}
	if r := rc.post(overview+"/consultation", form(etag)); r.status != http.StatusSeeOther {
		t.Fatalf("reviewer gives the opinion: %d %s", r.status, r.body)
	}
	as, err := a.store.Assessment(t.Context(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	c := as.State.Consultation
	if !c.Attributed() || c.GivenBy != rev.ID || c.GivenByName != "Rita Reviewer" || c.OnRevision != mustAtoi(t, etag) {
		t.Errorf("stored consultation %+v", c)
	}
	page := ass.get(overview)
	want := fmt.Sprintf("Given by <strong class=\"person\">Rita Reviewer</strong> on %s, revision %s.", c.GivenAt[:10], etag)
	if !strings.Contains(page.body, want) {
		t.Errorf("the overview does not attribute the opinion: want %q", want)
	}

	// Through the API the same reviewer changes it; the answer says who gave it.
	tok := a.token(rev)
	r = a.api("PUT", "/api/v1"+overview+"/consultation", tok, `{"dpo_opinion":"Proportionate, with the canary test.","views_sought":"no","views":"Not practicable."}`,
		"If-Match", strings.Trim(f.etag(t), `"`))
	var out struct {
		Revision     int
		Consultation assessments.Consultation
	}
	r.json(t, &out)
	if r.status != http.StatusOK || out.Consultation.GivenByName != "Rita Reviewer" || out.Consultation.DPOOpinion != "Proportionate, with the canary test." {
		t.Fatalf("API opinion: %d %s", r.status, r.body)
	}

	// A restore by the assessor brings back old answers, not an older (or no) opinion.
	if r := a.api("POST", "/api/v1"+overview+"/restore", a.token(f.users[assessor]), `{"revision":1}`, "If-Match", strings.Trim(f.etag(t), `"`)); r.status != http.StatusOK {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	if as, _ := a.store.Assessment(t.Context(), f.id); as.State.Consultation != out.Consultation {
		t.Errorf("the restore changed the opinion: %+v", as.State.Consultation)
	}
	if r := a.api("POST", "/api/v1"+overview+"/restore", a.token(f.users[assessor]), fmt.Sprintf(`{"revision":%d}`, out.Revision-1), "If-Match", strings.Trim(f.etag(t), `"`)); r.status != http.StatusOK {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}

	// Submitted by the assessor, approved by the reviewer who gave the opinion: it is not content.
	if r := a.api("POST", "/api/v1"+overview+"/submit", a.token(f.users[assessor]), "", "If-Match", strings.Trim(f.etag(t), `"`)); r.status != http.StatusOK {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := a.api("POST", "/api/v1"+overview+"/approve", tok, "", "If-Match", strings.Trim(f.etag(t), `"`)); r.status != http.StatusOK {
		t.Fatalf("the reviewer who gave the opinion approves: %d %s", r.status, r.body)
	}
	r = a.api("PUT", "/api/v1"+overview+"/consultation", tok, `{"dpo_opinion":"Changed my mind."}`, "If-Match", strings.Trim(f.etag(t), `"`))
	if r.status != http.StatusConflict || !strings.Contains(r.body, "approved") {
		t.Errorf("opinion after approval: %d %s", r.status, r.body)
	}
	if page := rc.get(overview); page.has("consultation-form") || !strings.Contains(page.body, "Proportionate, with the canary test.") {
		t.Error("the approved overview offers the form or lost the opinion")
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// After a re-assessment, the acceptances that did not carry over (here: expired) are listed on
// the new cycle's overview for reviewers, each linking to its finding, until decided again.
func TestRedecideListedForReviewers(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	tok := func(w who) string { return a.token(f.users[w]) }
	var reg findingsBody
	a.api("GET", f.base+"/findings", tok(owner), "").json(t, &reg)
	target := ""
	for _, fd := range reg.Findings {
		if fd.Live {
			target = fd.ID
			break
		}
	}
	if target == "" {
		t.Fatal("the fixture's answers raise no risk to accept")
	}
	soon := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	if r := a.api("POST", f.base+"/findings/"+target+"/acceptance", tok(reviewer), `{"justification":"Judged acceptable for a few days.","expires":"`+soon+`"}`, "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	a.api("POST", f.base+"/submit", tok(assessor), "", "If-Match", f.etag(t))
	if r := a.api("POST", f.base+"/approve", tok(reviewer), "", "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	later := time.Now().AddDate(0, 0, 10)
	a.web.SetClock(func() time.Time { return later })
	r := a.api("POST", f.base+"/reassess", tok(assessor), "", "If-Match", f.etag(t))
	if r.status != http.StatusCreated {
		t.Fatalf("reassess: %d %s", r.status, r.body)
	}
	var next struct{ ID int64 }
	r.json(t, &next)
	overview := fmt.Sprintf("/assessments/%d", next.ID)
	link := fmt.Sprintf(`href="%s/findings/%s"`, overview, target)
	page := a.signedIn(f.users[reviewer]).get(overview)
	if !page.has("redecide-list") || !strings.Contains(page.body, link) || !strings.Contains(page.body, "its acceptance expired") {
		t.Fatalf("the reviewer's overview of cycle 2 does not list %s to decide again", target)
	}
	if a.signedIn(f.users[assessor]).get(overview).has("redecide-list") {
		t.Error("the assessor is shown the reviewers' re-decision list")
	}
	base := fmt.Sprintf("/api/v1/assessments/%d", next.ID)
	etag := a.api("GET", base, tok(owner), "").header.Get("ETag")
	expires := later.AddDate(0, 6, 0).Format(time.DateOnly)
	if r := a.api("POST", base+"/findings/"+target+"/acceptance", tok(reviewer), `{"justification":"Accepted again for this cycle.","expires":"`+expires+`"}`, "If-Match", etag); r.status != 200 {
		t.Fatalf("accept again: %d %s", r.status, r.body)
	}
	if a.signedIn(f.users[reviewer]).get(overview).has("redecide-list") {
		t.Error("the finding is still listed after it was decided again")
	}
}
