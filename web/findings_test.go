package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const noDP = "rule:no-dp-personal-data"

// registerFixture is an assessment whose answers raise the no-DP finding, with an owner, an
// assessor and a reviewer.
type registerFixture struct {
	*matrixFixture
	id   int64
	base string // /api/v1/assessments/{id}
}

func newRegisterFixture(t *testing.T) *registerFixture {
	f := newMatrixFixture(t)
	tok := f.app.token(f.users[owner])
	id := startAssessment(t, f.app, tok, f.project)
	base := fmt.Sprintf("/api/v1/assessments/%d", id)
	if r := f.app.api("PATCH", base+"/answers", tok, `{"answers":{"personal_data_present":"yes","uses_dp":"no"}}`, "If-Match", "1"); r.status != 200 {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	return &registerFixture{matrixFixture: f, id: id, base: base}
}

func (f *registerFixture) rev(t *testing.T) string {
	t.Helper()
	return f.app.api("GET", f.base, f.app.token(f.users[owner]), "").header.Get("ETag")
}

type findingsBody struct {
	Revision int
	Findings []struct {
		ID                string
		Status            string
		ResolvedByAnswers bool `json:"resolved_by_answers"`
		Live              bool
		ResidualLevel     string `json:"residual_level"`
		Mitigations       []string
		Acceptance        *struct{ Justification string }
	}
	Blockers int
}

func (f *registerFixture) findings(t *testing.T) findingsBody {
	t.Helper()
	var b findingsBody
	f.app.api("GET", f.base+"/findings", f.app.token(f.users[owner]), "").json(t, &b)
	return b
}

func (b findingsBody) get(id string) (out struct {
	ID, Status, ResidualLevel string
	Resolved, Live, Found     bool
	Mitigations               int
	Accepted                  bool
}) {
	for _, f := range b.Findings {
		if f.ID == id {
			out.ID, out.Status, out.ResidualLevel, out.Resolved, out.Live, out.Found = f.ID, f.Status, f.ResidualLevel, f.ResolvedByAnswers, f.Live, true
			out.Mitigations, out.Accepted = len(f.Mitigations), f.Acceptance != nil
		}
	}
	return out
}

func TestFindingsFollowAnswers(t *testing.T) {
	f := newRegisterFixture(t)
	a, tok := f.app, f.app.token(f.users[assessor])
	if got := f.findings(t).get(noDP); !got.Found || got.Status != "open" || !got.Live {
		t.Fatalf("raised finding: %+v", got)
	}
	if f.findings(t).Blockers == 0 {
		t.Error("an open significant risk without mitigation does not block review")
	}
	// Untouched, it goes away with the answer.
	a.api("PATCH", f.base+"/answers", tok, `{"answers":{"uses_dp":"yes"}}`, "If-Match", f.rev(t))
	if got := f.findings(t).get(noDP); got.Found {
		t.Fatalf("untouched finding kept: %+v", got)
	}
	// Back again, worked on, then resolved by answers: kept and marked.
	a.api("PATCH", f.base+"/answers", tok, `{"answers":{"uses_dp":"no"}}`, "If-Match", f.rev(t))
	r := a.api("POST", f.base+"/findings/"+noDP+"/mitigations", tok, `{"catalogue":"dp-sgd","owner":`+fmt.Sprint(f.users[assessor].ID)+`,"due":"2027-03-01"}`, "If-Match", f.rev(t))
	if r.status != http.StatusCreated {
		t.Fatalf("link mitigation: %d %s", r.status, r.body)
	}
	a.api("PATCH", f.base+"/answers", tok, `{"answers":{"uses_dp":"yes"}}`, "If-Match", f.rev(t))
	got := f.findings(t).get(noDP)
	if !got.Found || !got.Resolved || got.Live || got.Mitigations != 1 {
		t.Fatalf("worked-on finding after its rule stopped: %+v", got)
	}
	revs, _ := a.store.Revisions(t.Context(), f.id, 0)
	if last := revs[len(revs)-1].Summary; !strings.Contains(last, "resolved 1 risk") {
		t.Errorf("revision summary does not tell the risk was resolved: %q", last)
	}
}

func TestAcceptanceIsAReviewersAct(t *testing.T) {
	f := newRegisterFixture(t)
	a := f.app
	body := `{"justification":"Canary tests show no exposure; accepted for this cycle.","expires":"2099-01-01"}`
	for _, w := range []who{owner, assessor, viewer, admin} {
		if r := a.api("POST", f.base+"/findings/"+noDP+"/acceptance", a.token(f.users[w]), body, "If-Match", f.rev(t)); r.status != http.StatusForbidden {
			t.Errorf("%s accepted a risk: %d", w, r.status)
		}
	}
	if r := a.api("POST", f.base+"/findings/"+noDP+"/acceptance", a.token(f.users[nonMember]), body, "If-Match", f.rev(t)); r.status != http.StatusNotFound {
		t.Errorf("non-member: %d", r.status)
	}
	rt := a.token(f.users[reviewer])
	if r := a.api("POST", f.base+"/findings/"+noDP+"/acceptance", rt, `{"justification":"fine","expires":"2099-01-01"}`, "If-Match", f.rev(t)); r.status != 422 || !strings.Contains(r.body, `"field":"justification"`) {
		t.Errorf("short justification: %d %s", r.status, r.body)
	}
	// Three years is the longest an acceptance may run.
	if r := a.api("POST", f.base+"/findings/"+noDP+"/acceptance", rt, body, "If-Match", f.rev(t)); r.status != 422 || !strings.Contains(r.body, `"field":"expires"`) {
		t.Errorf("far expiry: %d %s", r.status, r.body)
	}
	good := strings.Replace(body, "2099-01-01", "2027-12-31", 1)
	if r := a.api("POST", f.base+"/findings/"+noDP+"/acceptance", rt, good, "If-Match", f.rev(t)); r.status != 200 {
		t.Fatalf("reviewer accepts: %d %s", r.status, r.body)
	}
	if got := f.findings(t).get(noDP); got.Status != "accepted" || !got.Accepted {
		t.Fatalf("after acceptance: %+v", got)
	}
	if f.findings(t).Blockers != 0 {
		t.Error("an accepted risk still blocks review")
	}
	if entries, _, _ := a.store.AuditEntries(t.Context(), storeAuditQuery("risk.accept")); len(entries) != 1 {
		t.Errorf("%d risk.accept audit entries, want 1", len(entries))
	}
	// A change of the answers behind it undoes the acceptance.
	a.api("PATCH", f.base+"/answers", a.token(f.users[assessor]), `{"answers":{"personal_data_present":"partial"}}`, "If-Match", f.rev(t))
	if got := f.findings(t).get(noDP); got.Status != "open" || got.Accepted {
		t.Fatalf("acceptance survived new answers: %+v", got)
	}
}

func TestRegisterChangesAreRevisions(t *testing.T) {
	f := newRegisterFixture(t)
	a, tok := f.app, f.app.token(f.users[assessor])
	stale := f.rev(t)
	r := a.api("POST", f.base+"/findings", tok, `{"title":"Prompts kept in logs","category":"access_storage","likelihood":3,"severity":3}`, "If-Match", stale)
	if r.status != http.StatusCreated {
		t.Fatalf("add finding: %d %s", r.status, r.body)
	}
	var created struct {
		Revision int
		Result   struct{ ID string }
	}
	r.json(t, &created)
	if r := a.api("POST", f.base+"/findings", tok, `{"title":"Another","category":"access_storage","likelihood":1,"severity":1}`, "If-Match", stale); r.status != http.StatusConflict {
		t.Fatalf("stale If-Match: %d", r.status)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"title":"","category":"access_storage","likelihood":1,"severity":1}`, "title"},
		{`{"title":"x","category":"nowhere","likelihood":1,"severity":1}`, "category"},
		{`{"title":"x","category":"access_storage","likelihood":5,"severity":1}`, "likelihood"},
	} {
		if r := a.api("POST", f.base+"/findings", tok, tc.body, "If-Match", f.rev(t)); r.status != 422 || !strings.Contains(r.body, `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %s", tc.body, r.status, r.body)
		}
	}
	id := created.Result.ID
	if r := a.api("PATCH", f.base+"/findings/"+id, tok, `{"residual":{"likelihood":1,"severity":2}}`, "If-Match", f.rev(t)); r.status != 200 || !strings.Contains(r.body, `"residual_level":"negligible"`) {
		t.Fatalf("residual: %d %s", r.status, r.body)
	}
	if r := a.api("PATCH", f.base+"/findings/"+noDP, tok, `{"title":"renamed"}`, "If-Match", f.rev(t)); r.status != 422 {
		t.Errorf("renaming a rule finding: %d", r.status)
	}
	if r := a.api("PATCH", f.base+"/findings/"+id, a.token(f.users[viewer]), `{"status":"not_applicable"}`, "If-Match", f.rev(t)); r.status != 403 {
		t.Errorf("viewer changed a finding: %d", r.status)
	}
	r = a.api("POST", f.base+"/findings/"+id+"/mitigations", tok, `{"title":"Redact prompts","owner":`+fmt.Sprint(f.users[nonMember].ID)+`}`, "If-Match", f.rev(t))
	if r.status != 422 || !strings.Contains(r.body, `"field":"owner"`) {
		t.Errorf("owner outside the project: %d %s", r.status, r.body)
	}
	r = a.api("POST", f.base+"/findings/"+id+"/mitigations", tok, `{"title":"Redact prompts","due":"2026-01-01"}`, "If-Match", f.rev(t))
	var linked struct{ Result struct{ ID string } }
	r.json(t, &linked)
	mpath := f.base + "/mitigations/" + linked.Result.ID
	if r := a.api("PATCH", mpath, tok, `{"status":"verified"}`, "If-Match", f.rev(t)); r.status != 422 || !strings.Contains(r.body, `"field":"evidence"`) {
		t.Errorf("verified without evidence: %d %s", r.status, r.body)
	}
	if r := a.api("PATCH", mpath, tok, `{"status":"verified","evidence":"Sampled 500 log lines: no prompt text."}`, "If-Match", f.rev(t)); r.status != 200 {
		t.Errorf("verify: %d %s", r.status, r.body)
	}
	if r := a.api("GET", "/api/v1/mitigations/catalogue", tok, ""); r.status != 200 || strings.Count(r.body, `"key"`) < 30 {
		t.Errorf("catalogue: %d", r.status)
	}
}

func TestRiskRegisterPage(t *testing.T) {
	f := newRegisterFixture(t)
	c := f.app.signedIn(f.users[assessor])
	page := c.get(fmt.Sprintf("/assessments/%d/risks", f.id))
	if page.status != 200 || !page.has("heatmap-inherent") || !page.has("heatmap-residual") || !page.has("blockers") {
		t.Fatalf("register page: %d", page.status)
	}
	if !strings.Contains(page.body, `data-testid="cell-3-3" data-count="1"`) && !strings.Contains(page.body, `data-count="1" data-testid="cell-3-3"`) {
		t.Error("the inherent heatmap does not count the finding at likelihood 3, severity 3")
	}
	// Filters work without JavaScript.
	none := c.get(fmt.Sprintf("/assessments/%d/risks?status=accepted", f.id))
	if strings.Count(none.body, `data-testid="finding-row"`) != 0 {
		t.Error("status filter let an open finding through")
	}
	// A manual finding with a missing title keeps what was typed.
	res := c.post(fmt.Sprintf("/assessments/%d/findings", f.id), url.Values{"revision": {strings.Trim(f.rev(t), `"`)}, "title": {""}, "description": {"Traces keep prompts"}, "category": {"access_storage"}, "likelihood": {"2"}, "severity": {"3"}})
	if res.status != 422 || !res.has("error-title") || !strings.Contains(res.body, "Traces keep prompts") {
		t.Fatalf("invalid manual finding: %d", res.status)
	}
	// The finding page: link a catalogue mitigation and set a residual risk through the forms.
	fp := fmt.Sprintf("/assessments/%d/findings/%s", f.id, noDP)
	page = c.get(fp)
	if page.status != 200 || !page.has("finding-form") || !page.has("link-mitigation-form") || page.has("accept-form") {
		t.Fatalf("finding page for an assessor: %d", page.status)
	}
	res = c.post(fp+"/mitigations", url.Values{"revision": {strings.Trim(f.rev(t), `"`)}, "catalogue": {"dp-sgd"}, "owner": {fmt.Sprint(f.users[assessor].ID)}, "due": {"2027-02-01"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("link mitigation: %d\n%s", res.status, res.body)
	}
	res = c.post(fp, url.Values{"revision": {strings.Trim(f.rev(t), `"`)}, "residual_likelihood": {"1"}, "residual_severity": {"3"}, "status": {"mitigated"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("residual: %d\n%s", res.status, res.body)
	}
	got := f.findings(t).get(noDP)
	if got.Status != "mitigated" || got.ResidualLevel != "limited" || got.Mitigations != 1 {
		t.Fatalf("after the forms: %+v", got)
	}
	// A stale form shows the conflict and saves nothing.
	res = c.post(fp, url.Values{"revision": {"1"}, "residual_likelihood": {"1"}, "residual_severity": {"1"}})
	if res.status != http.StatusConflict || !res.has("conflict") {
		t.Fatalf("stale form: %d", res.status)
	}
	// The reviewer sees the acceptance form; the viewer sees neither form.
	if p := f.app.signedIn(f.users[reviewer]).get(fp); !p.has("accept-form") || p.has("finding-form") {
		t.Error("reviewer's finding page")
	}
	if p := f.app.signedIn(f.users[viewer]).get(fp); p.has("accept-form") || p.has("finding-form") || p.has("link-mitigation-form") {
		t.Error("viewer sees forms")
	}
	if p := f.app.signedIn(f.users[nonMember]).get(fp); p.status != 404 {
		t.Errorf("non-member: %d", p.status)
	}
	if p := c.get("/catalogue"); p.status != 200 || strings.Count(p.body, `data-testid="catalogue-entry"`) < 30 {
		t.Errorf("catalogue page: %d", p.status)
	}
}

func TestDashboardShowsOpenRisksAndOverdueMitigations(t *testing.T) {
	f := newRegisterFixture(t)
	a, tok := f.app, f.app.token(f.users[assessor])
	// An overdue mitigation on a manual finding.
	r := a.api("POST", f.base+"/findings", tok, `{"title":"Old exports on laptops","category":"access_storage","likelihood":2,"severity":2}`, "If-Match", f.rev(t))
	var created struct{ Result struct{ ID string } }
	r.json(t, &created)
	a.api("POST", f.base+"/findings/"+created.Result.ID+"/mitigations", tok, `{"title":"Wipe old exports","due":"2020-01-01"}`, "If-Match", f.rev(t))

	for _, w := range []who{assessor, viewer, admin} {
		page := a.signedIn(f.users[w]).get("/")
		if !strings.Contains(page.body, `data-testid="open-risk-count">1<`) || !strings.Contains(page.body, "Personal data trained without differential privacy") {
			t.Errorf("%s's dashboard lacks the open high risk", w)
		}
		if !strings.Contains(page.body, `data-testid="overdue-count">1<`) || !strings.Contains(page.body, "Wipe old exports") {
			t.Errorf("%s's dashboard lacks the overdue mitigation", w)
		}
	}
	if page := a.signedIn(f.users[nonMember]).get("/"); strings.Contains(page.body, "Wipe old exports") || strings.Contains(page.body, "differential privacy") {
		t.Error("a non-member's dashboard shows another project's risks")
	}
	project := a.signedIn(f.users[viewer]).get(fmt.Sprintf("/projects/%d", f.project.ID))
	if !project.has("open-risks") || !project.has("overdue-mitigations") {
		t.Error("the project page lacks the attention lists")
	}
	// Accepting the risk takes it off the list.
	a.api("POST", f.base+"/findings/"+noDP+"/acceptance", a.token(f.users[reviewer]), `{"justification":"Accepted for this cycle after canary tests.","expires":"2027-06-30"}`, "If-Match", f.rev(t))
	if page := a.signedIn(f.users[assessor]).get("/"); !strings.Contains(page.body, `data-testid="open-risk-count">0<`) {
		t.Error("an accepted risk is still listed as open")
	}
}
