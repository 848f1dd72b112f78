package web_test

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Opacus, opacus/tests/accountants_test.py, test_rdp_accountant: sample rate 0.04, noise 1.5,
// int(90/0.04) = 2250 steps, delta 1e-5 give epsilon 7.32911117143 over Opacus's default alphas.
const opacusOrders = `[1.1,1.2,1.3,1.4,1.5,1.6,1.7,1.8,1.9,2,2.1,2.2,2.3,2.4,2.5,2.6,2.7,2.8,2.9,3,3.1,3.2,3.3,3.4,3.5,3.6,3.7,3.8,3.9,4,4.1,4.2,4.3,4.4,4.5,4.6,4.7,4.8,4.9,5,5.1,5.2,5.3,5.4,5.5,5.6,5.7,5.8,5.9,6,6.1,6.2,6.3,6.4,6.5,6.6,6.7,6.8,6.9,7,7.1,7.2,7.3,7.4,7.5,7.6,7.7,7.8,7.9,8,8.1,8.2,8.3,8.4,8.5,8.6,8.7,8.8,8.9,9,9.1,9.2,9.3,9.4,9.5,9.6,9.7,9.8,9.9,10,10.1,10.2,10.3,10.4,10.5,10.6,10.7,10.8,10.9,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63]`

func TestAPIEvidence(t *testing.T) {
	f := newMatrixFixture(t)
	a := f.app
	id := startAssessment(t, a, a.token(f.users[owner]), f.project)
	path := fmt.Sprintf("/api/v1/assessments/%d/evidence", id)
	body := `{"kind":"dp","params":{"q":0.04,"sigma":1.5,"steps":2250,"delta":1e-5,"orders":` + opacusOrders + `}}`
	for _, c := range []struct {
		who    who
		status int
	}{{nonMember, 404}, {viewer, 403}, {reviewer, 403}, {assessor, 201}} {
		if r := a.api("POST", path, a.token(f.users[c.who]), body); r.status != c.status {
			t.Errorf("%s: %d, want %d: %s", c.who, r.status, c.status, r.body)
		}
	}
	r := a.api("POST", path, a.token(f.users[owner]), body)
	if r.status != http.StatusCreated {
		t.Fatalf("owner: %d %s", r.status, r.body)
	}
	var e struct {
		ID, Kind, Source, Tool string
		Cycle                  int
		Figures                map[string]float64
		Questions              []string
		AddedByName            string `json:"added_by_name"`
	}
	r.json(t, &e)
	if e.ID != "E2" || e.Kind != "dp" || e.Source != "computed" || !strings.HasPrefix(e.Tool, "piaf/") || e.Cycle != 1 || len(e.Questions) == 0 {
		t.Errorf("record %+v", e)
	}
	if math.Abs(e.Figures["epsilon"]-7.32911117143) > 1e-7 {
		t.Errorf("epsilon %v, want 7.32911117143 (Opacus test_rdp_accountant)", e.Figures["epsilon"])
	}
	for _, c := range []struct{ body, field string }{
		{`{"kind":"dp","params":{"q":0.04,"sigma":1.5,"steps":2250,"delta":1.5}}`, "params.delta"},
		{`{"kind":"hand","params":{}}`, "kind"},
		{`{"kind":"dp","params":{"q":0.04,"sigma":1.5,"steps":2250,"delta":1e-5,"epsilon":1}}`, "params"},
	} {
		r := a.api("POST", path, a.token(f.users[owner]), c.body)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"`+c.field+`"`) {
			t.Errorf("%s: %d %s, want 422 on %s", c.body, r.status, r.body, c.field)
		}
	}
	if r := a.api("POST", path, a.token(f.users[owner]), `{"kind":"dp","figures":{"epsilon":1}}`); r.status != http.StatusBadRequest {
		t.Errorf("typed figures: %d %s, want 400", r.status, r.body)
	}
	big := `{"kind":"dp","label":"` + strings.Repeat("x", 300<<10) + `","params":{}}`
	if r := a.api("POST", path, a.token(f.users[owner]), big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("300 KiB body: %d", r.status)
	}
	r = a.api("GET", path, a.token(f.users[viewer]), "")
	if r.status != 200 || strings.Count(r.body, `"kind":"dp"`) != 2 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	if r := a.api("GET", path, a.token(f.users[nonMember]), ""); r.status != 404 {
		t.Errorf("outsider list: %d", r.status)
	}
	if r := a.api("DELETE", path+"/E1", a.token(f.users[viewer]), ""); r.status != 403 {
		t.Errorf("viewer delete: %d", r.status)
	}
	if r := a.api("DELETE", path+"/E1", a.token(f.users[owner]), ""); r.status != 204 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := a.api("DELETE", path+"/E1", a.token(f.users[owner]), ""); r.status != 404 {
		t.Errorf("delete again: %d %s", r.status, r.body)
	}
}

func TestAPIDPCalculator(t *testing.T) {
	a := newApp(t)
	tok := a.token(a.user("alice@example.org", false))
	// Same reference run as above, RDP accountant.
	r := a.api("POST", "/api/v1/dp/epsilon", tok, `{"q":0.04,"sigma":1.5,"steps":2250,"delta":1e-5,"orders":`+opacusOrders+`}`)
	var eps struct {
		Epsilon    float64
		Order      float64
		Steps      int
		Accountant string
	}
	r.json(t, &eps)
	if r.status != 200 || math.Abs(eps.Epsilon-7.32911117143) > 1e-7 || eps.Steps != 2250 || eps.Accountant != "rdp" || eps.Order == 0 {
		t.Fatalf("epsilon: %d %s", r.status, r.body)
	}
	// Opacus, opacus/tests/accountants_test.py, test_get_noise_multiplier: epsilon 8, delta 1e-5,
	// sample rate 0.04, 90 epochs give noise 1.416 (4 places); our bisection stops within 1e-6.
	r = a.api("POST", "/api/v1/dp/sigma", tok, `{"target_epsilon":8,"q":0.04,"epochs":90,"delta":1e-5,"orders":`+opacusOrders+`}`)
	var sig struct{ Sigma, Epsilon float64 }
	r.json(t, &sig)
	if r.status != 200 || math.Abs(sig.Sigma-1.416) > 5e-4 || sig.Epsilon > 8 {
		t.Fatalf("sigma: %d %s", r.status, r.body)
	}
	for _, c := range []struct{ path, body, field string }{
		{"/api/v1/dp/epsilon", `{"q":0.04,"sigma":1.5,"steps":2250}`, "delta"},
		{"/api/v1/dp/epsilon", `{"q":0.04,"sigma":1.5,"steps":30000,"delta":1e-5,"accountant":"pld"}`, "accountant"},
		{"/api/v1/dp/sigma", `{"q":0.04,"steps":2250,"delta":1e-5}`, "target_epsilon"},
	} {
		r := a.api("POST", c.path, tok, c.body)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"`+c.field+`"`) {
			t.Errorf("%s %s: %d %s, want 422 on %s", c.path, c.body, r.status, r.body, c.field)
		}
	}
}

// The tool computes without JavaScript, draws both accountants and the limit, attaches the
// result to an assessment the user may edit, and the record shows on the DP section, the
// overview and the history; the settings page edits the policy.
func TestDPToolPages(t *testing.T) {
	f := newMatrixFixture(t)
	a := f.app
	id := startAssessment(t, a, a.token(f.users[owner]), f.project)
	c := f.client(owner)
	adm := f.client(admin)
	pol := url.Values{"max_epsilon": {"2"}, "max_delta_times_n": {"1"}, "max_mia_auc": {"0.6"}, "max_tpr_ratio_at_0_1pct": {"10"}, "canary_margin_bits": {"2"}}
	if r := adm.post("/admin/settings/evidence-policy", pol); r.status != http.StatusSeeOther {
		t.Fatalf("save policy: %d %s", r.status, r.body)
	}
	// N 60000, batch 256, sigma 0.8, 2000 steps, delta 1e-5: RDP epsilon 2.30, above the limit 2.
	q := url.Values{"n": {"60000"}, "batch": {"256"}, "sigma": {"0.8"}, "steps": {"2000"}, "delta": {"1e-5"}, "assessment": {fmt.Sprint(id)}, "target_epsilon": {"2"}}
	r := c.get("/tools/dp?" + q.Encode())
	for _, tid := range []string{"dp-result", "eps-rdp", "eps-pld", "dp-chart", "chart-rdp", "chart-pld", "chart-limit", "chart-table", "dp-attach", "over-limit", "dp-sigma"} {
		if !r.has(tid) {
			t.Errorf("tool page lacks %s", tid)
		}
	}
	if r.status != 200 {
		t.Fatalf("tool: %d", r.status)
	}
	if r := c.get("/tools/dp?q=0.04&sigma=0.8&steps=2000&delta=2"); r.status != http.StatusUnprocessableEntity || !r.has("error-delta") || !strings.Contains(r.body, `value="2"`) {
		t.Errorf("bad delta: %d, error beside the field and the typed value kept", r.status)
	}
	if r := f.client(nonMember).get(fmt.Sprintf("/tools/dp?assessment=%d", id)); r.status != 404 {
		t.Errorf("outsider with assessment: %d", r.status)
	}
	if r := f.client(viewer).get(fmt.Sprintf("/tools/dp?assessment=%d", id)); r.has("dp-attach") || !r.has("attach-note") {
		t.Error("a viewer is offered to attach")
	}
	form := url.Values{"n": {"60000"}, "batch": {"256"}, "sigma": {"0.8"}, "steps": {"2000"}, "delta": {"1e-5"}}
	if r := f.client(viewer).post(fmt.Sprintf("/assessments/%d/evidence/dp", id), url.Values{"q": {"0.04"}}); r.status != 403 {
		t.Errorf("viewer attach: %d", r.status)
	}
	if r := c.post(fmt.Sprintf("/assessments/%d/evidence/dp", id), form); r.status != http.StatusSeeOther {
		t.Fatalf("attach: %d %s", r.status, r.body)
	}
	sec := c.get(fmt.Sprintf("/assessments/%d/sections/differential_privacy", id))
	if !sec.has("section-evidence") || !sec.has("evidence-E1") || !sec.has("dp-tool-link") {
		t.Error("the DP section does not show the record and the tool link")
	}
	if r := c.get(fmt.Sprintf("/assessments/%d/risks", id)); !strings.Contains(r.body, "Recomputed ε above") {
		t.Error("epsilon above the limit raised no finding")
	}
	if r := c.get(fmt.Sprintf("/assessments/%d", id)); !r.has("assessment-evidence") || !strings.Contains(r.body, "E1: Differential privacy budget") {
		t.Error("overview lacks the evidence")
	}
	if r := c.get(fmt.Sprintf("/assessments/%d/evidence/E1", id)); r.status != 200 || !r.has("evidence-figures") {
		t.Errorf("record page: %d", r.status)
	}
	if r := f.client(nonMember).get(fmt.Sprintf("/assessments/%d/evidence/E1", id)); r.status != 404 {
		t.Errorf("outsider record page: %d", r.status)
	}
	if r := c.get(fmt.Sprintf("/assessments/%d/history?from=1&to=2", id)); !r.has("evidence-diff") {
		t.Error("history compare lacks the evidence diff")
	}
	if r := c.get(fmt.Sprintf("/assessments/%d/report.md", id)); !strings.Contains(r.body, "## Evidence") || !strings.Contains(r.body, "E1") {
		t.Error("report lacks the evidence section")
	}
	// The policy: admins only, errors beside the field, applied to the open assessment.
	pol.Set("max_epsilon", "-1")
	if r := adm.post("/admin/settings/evidence-policy", pol); r.status != 422 || !r.has("error-max_epsilon") || !strings.Contains(r.body, `value="-1"`) {
		t.Errorf("negative limit: %d", r.status)
	}
	pol.Set("max_epsilon", "20")
	if r := c.post("/admin/settings/evidence-policy", pol); r.status == http.StatusSeeOther {
		t.Error("a non-admin changed the policy")
	}
	if r := adm.post("/admin/settings/evidence-policy", pol); r.status != http.StatusSeeOther {
		t.Fatalf("save policy: %d %s", r.status, r.body)
	}
	if r := c.get(fmt.Sprintf("/assessments/%d/risks", id)); strings.Contains(r.body, "Recomputed ε above") {
		t.Error("the looser policy left the finding open")
	}
	events, _, err := a.store.AuditEntries(t.Context(), storeAuditQuery("settings.evidence_policy"))
	if err != nil || len(events) != 2 {
		t.Errorf("audit: %v %v", events, err)
	}
	if r := c.post(fmt.Sprintf("/assessments/%d/evidence/E1/remove", id), nil); r.status != http.StatusSeeOther {
		t.Errorf("remove: %d", r.status)
	}
}

// A new cycle carries the evidence of the last one, each record marked with its cycle; evidence
// on an approved assessment is refused until then.
func TestNewCycleCarriesEvidence(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	p := a.project(u, "Support bot")
	id := startAssessment(t, a, tok, p)
	body := `{"kind":"dp","params":{"q":0.04,"sigma":1.5,"steps":100,"delta":1e-5}}`
	if r := a.api("POST", fmt.Sprintf("/api/v1/assessments/%d/evidence", id), tok, body); r.status != http.StatusCreated {
		t.Fatalf("attach: %d %s", r.status, r.body)
	}
	approve(t, a, id)
	if r := a.api("POST", fmt.Sprintf("/api/v1/assessments/%d/evidence", id), tok, body); r.status != http.StatusConflict || !strings.Contains(r.body, "next cycle") {
		t.Errorf("attach to an approved assessment: %d %s", r.status, r.body)
	}
	next := startAssessment(t, a, tok, p)
	as, err := a.store.Assessment(t.Context(), next)
	if err != nil {
		t.Fatal(err)
	}
	e := as.State.Evidence["E1"]
	if e == nil || e.Cycle != 1 || as.Cycle != 2 {
		t.Fatalf("cycle 2 evidence: %+v", as.State.Evidence)
	}
	r := a.api("POST", fmt.Sprintf("/api/v1/assessments/%d/evidence", next), tok, body)
	if r.status != http.StatusCreated || !strings.Contains(r.body, `"cycle":2`) || strings.Contains(r.body, `"id":"E1"`) {
		t.Errorf("attach in cycle 2: %d %s", r.status, r.body)
	}
	c := a.signedIn(u)
	if sec := c.get(fmt.Sprintf("/assessments/%d/sections/differential_privacy", next)); !sec.has("carried") {
		t.Error("the carried record is not marked with its cycle")
	}
}
