package web_test

import (
	"net/http"
	"net/url"
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
