package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAcceptingReviewerStillDecides: a reviewer's acceptance of a residual risk is a decision,
// not content, so she can still approve the assessment (issue 11, point 3).
func TestAcceptingReviewerStillDecides(t *testing.T) {
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
	body := `{"justification":"Residual exposure measured and judged acceptable for this cycle.","expires":"` + time.Now().AddDate(1, 0, 0).Format(time.DateOnly) + `"}`
	if r := a.api("POST", f.base+"/findings/"+target+"/acceptance", tok(reviewer), body, "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("reviewer accepts %s: %d %s", target, r.status, r.body)
	}
	if r := a.api("POST", f.base+"/submit", tok(assessor), "", "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	r := a.api("POST", f.base+"/approve", tok(reviewer), `{"comment":"Approved with the accepted risk."}`, "If-Match", f.etag(t))
	if r.status != 200 {
		t.Fatalf("the reviewer who accepted a risk cannot approve: %d %s", r.status, r.body)
	}
	if f.status(t) != "approved" {
		t.Fatalf("status after approval: %s", f.status(t))
	}
}

// TestReassessCarriesRiskWork: the new cycle keeps the findings with their mitigations and the
// acceptance, and its first revision says what was carried (issue 11, point 1).
func TestReassessCarriesRiskWork(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	tok := func(w who) string { return a.token(f.users[w]) }
	if r := a.api("POST", f.base+"/findings", tok(assessor), `{"title":"Prompts kept in support logs","category":"access_storage","likelihood":2,"severity":2}`, "If-Match", f.etag(t)); r.status != 201 {
		t.Fatalf("manual finding: %d %s", r.status, r.body)
	}
	var before findingsBody
	a.api("GET", f.base+"/findings", tok(owner), "").json(t, &before)
	mitigated := map[string]int{}
	for _, fd := range before.Findings {
		if fd.Live && len(fd.Mitigations) > 0 {
			mitigated[fd.ID] = len(fd.Mitigations)
		}
	}
	if len(mitigated) == 0 {
		t.Fatal("the fixture has no mitigated finding to carry")
	}
	a.api("POST", f.base+"/submit", tok(assessor), "", "If-Match", f.etag(t))
	if r := a.api("POST", f.base+"/approve", tok(reviewer), "", "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	r := a.api("POST", f.base+"/reassess", tok(assessor), "", "If-Match", f.etag(t))
	if r.status != http.StatusCreated {
		t.Fatalf("reassess: %d %s", r.status, r.body)
	}
	var next struct{ ID int64 }
	r.json(t, &next)
	var after findingsBody
	a.api("GET", fmt.Sprintf("/api/v1/assessments/%d/findings", next.ID), tok(owner), "").json(t, &after)
	for id, n := range mitigated {
		got := after.get(id)
		if !got.Found || got.Mitigations != n {
			t.Errorf("cycle 2 finding %s: %+v, want %d carried mitigations", id, got, n)
		}
	}
	manual := false
	for _, fd := range after.Findings {
		if strings.HasPrefix(fd.ID, "manual") || !strings.HasPrefix(fd.ID, "rule:") {
			manual = true
		}
	}
	if !manual {
		t.Error("the manual finding was not carried to cycle 2")
	}
	revs, err := a.store.Revisions(t.Context(), next.ID, 0)
	if err != nil || len(revs) == 0 || !strings.Contains(revs[0].Summary, "Carried from cycle 1") {
		t.Errorf("first revision of cycle 2: %v %+v", err, revs)
	}
}

// TestOpenCommentsBlockSubmission: the overview and the submit operation agree: while a comment
// is open the assessment cannot be submitted, and the page says so (issue 11, point 5).
func TestOpenCommentsBlockSubmission(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	overview := fmt.Sprintf("/assessments/%d", f.id)
	rc := a.signedIn(f.users[reviewer])
	if res := rc.post(overview+"/comments", url.Values{"target_kind": {"question"}, "target_key": {"purpose_description"}, "body": {"Who reads the drafts?"}}); res.status != http.StatusSeeOther {
		t.Fatalf("comment: %d", res.status)
	}
	r := a.api("POST", f.base+"/submit", a.token(f.users[assessor]), "", "If-Match", f.etag(t))
	if r.status != http.StatusConflict || !strings.Contains(r.body, "1 comment is open") {
		t.Fatalf("submit with an open comment: %d %s", r.status, r.body)
	}
	page := a.signedIn(f.users[assessor]).get(overview)
	if page.has("submit-form") || !page.has("submit-problems") || !strings.Contains(page.body, "1 comment is open") {
		t.Error("the overview offers to submit, or does not say that the open comment blocks it")
	}
	list, _ := a.store.Comments(t.Context(), f.id, false)
	if res := a.signedIn(f.users[reviewer]).post(fmt.Sprintf("%s/comments/%d/resolve", overview, list[0].ID), nil); res.status != http.StatusSeeOther {
		t.Fatalf("resolve: %d", res.status)
	}
	if r := a.api("POST", f.base+"/submit", a.token(f.users[assessor]), "", "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("submit after resolving: %d %s", r.status, r.body)
	}
}

// TestRequireVerifiedMitigations: with the setting on, approval waits for verified mitigations
// (issue 11, point 7); the change of the setting is audited.
func TestRequireVerifiedMitigations(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	root := a.signedIn(f.users[admin])
	if res := root.post("/admin/settings", url.Values{"require_verified": {"1"}}); res.status != http.StatusSeeOther {
		t.Fatalf("settings: %d", res.status)
	}
	if p := root.get("/admin/settings"); !strings.Contains(p.body, `name="require_verified"`) || !strings.Contains(p.body, "Require verified mitigations") {
		t.Error("the settings page does not show the setting")
	}
	if entries, _, _ := a.store.AuditEntries(t.Context(), storeAuditQuery("settings.change")); len(entries) != 1 {
		t.Errorf("%d settings.change audit entries, want 1", len(entries))
	}
	if r := a.api("POST", f.base+"/submit", a.token(f.users[assessor]), "", "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	r := a.api("POST", f.base+"/approve", a.token(f.users[reviewer]), "", "If-Match", f.etag(t))
	if r.status != http.StatusConflict || !strings.Contains(r.body, "is not verified yet") {
		t.Fatalf("approval with planned mitigations under require_verified: %d %s", r.status, r.body)
	}
}
