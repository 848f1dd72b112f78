package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// startAssessment starts an llm-finetuning assessment through the API and returns its id.
func startAssessment(t *testing.T, a *app, token string, project *assessments.Project) int64 {
	t.Helper()
	r := a.api("POST", fmt.Sprintf("/api/v1/projects/%d/assessments", project.ID), token, `{"questionnaire":"llm-finetuning"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("start assessment: %d %s", r.status, r.body)
	}
	var out struct {
		ID       int64
		Revision int
	}
	r.json(t, &out)
	if out.Revision != 1 {
		t.Fatalf("new assessment at revision %d, want 1", out.Revision)
	}
	return out.ID
}

type apiAssessmentBody struct {
	Revision int
	Status   string
	Answers  map[string]any
	Progress struct {
		Percent int
		Missing []string
	}
	Risks []struct{ Rule string }
}

func (b apiAssessmentBody) raised(rule string) bool {
	for _, r := range b.Risks {
		if r.Rule == rule {
			return true
		}
	}
	return false
}

func TestAPIAnswersAndRevisions(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	p := a.project(u, "Support bot")
	id := startAssessment(t, a, tok, p)
	path := fmt.Sprintf("/api/v1/assessments/%d", id)

	r := a.api("PATCH", path+"/answers", tok, `{"answers":{"personal_data_present":"yes","uses_dp":"no"}}`, "If-Match", "1")
	if r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	var got apiAssessmentBody
	r.json(t, &got)
	if got.Revision != 2 || got.Answers["uses_dp"] != "no" || !got.raised("no-dp-personal-data") {
		t.Fatalf("after patch: revision %d, answers %v, risks %v", got.Revision, got.Answers, got.Risks)
	}

	// The same answer again changes nothing and appends no revision.
	r = a.api("PATCH", path+"/answers", tok, `{"answers":{"uses_dp":"no"}}`, "If-Match", "2")
	r.json(t, &got)
	if got.Revision != 2 {
		t.Errorf("a no-op save made revision %d", got.Revision)
	}

	// A stale If-Match is refused with the current revision.
	r = a.api("PATCH", path+"/answers", tok, `{"answers":{"uses_dp":"yes"}}`, "If-Match", "1")
	if r.status != http.StatusConflict || !strings.Contains(r.body, `"current_revision":2`) {
		t.Fatalf("stale If-Match: %d %s", r.status, r.body)
	}

	// Answering DP "yes" resolves the risk and shows the DP detail questions.
	r = a.api("PATCH", path+"/answers", tok, `{"answers":{"uses_dp":"yes"}}`, "If-Match", `"2"`)
	r.json(t, &got)
	if got.raised("no-dp-personal-data") {
		t.Error("the risk stayed after answering yes")
	}
	// Clearing with null.
	r = a.api("PATCH", path+"/answers", tok, `{"answers":{"uses_dp":null}}`, "If-Match", "3")
	got = apiAssessmentBody{}
	r.json(t, &got)
	if _, ok := got.Answers["uses_dp"]; ok || got.Revision != 4 {
		t.Errorf("null did not clear: %v rev %d", got.Answers, got.Revision)
	}

	revs, err := a.store.Revisions(t.Context(), id, 0)
	if err != nil || len(revs) != 4 {
		t.Fatalf("revisions: %d %v", len(revs), err)
	}
	for i, rev := range revs {
		if rev.Number != i+1 || (i > 0 && rev.Parent != i) || rev.AuthorEmail != u.Email || len(rev.StateHash) != 64 {
			t.Errorf("revision %d: %+v", i+1, rev)
		}
	}
	if !strings.Contains(revs[1].Summary, "Answered 2 questions") {
		t.Errorf("summary: %q", revs[1].Summary)
	}
}

func TestAPIAnswerErrors(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	id := startAssessment(t, a, tok, a.project(u, "Support bot"))
	path := fmt.Sprintf("/api/v1/assessments/%d/answers", id)
	cases := []struct {
		name, body, ifMatch string
		status              int
		field               string
	}{
		{"no If-Match", `{"answers":{"uses_dp":"no"}}`, "", 428, ""},
		{"bad If-Match", `{"answers":{"uses_dp":"no"}}`, "x", 400, ""},
		{"unknown question", `{"answers":{"uses_dpp":"no"}}`, "1", 422, "answers.uses_dpp"},
		{"not an option", `{"answers":{"uses_dp":"maybe"}}`, "1", 422, "answers.uses_dp"},
		{"number as string", `{"answers":{"record_count":"many"}}`, "1", 422, "answers.record_count"},
		{"bad date", `{"answers":{"pia_next_review":"next year"}}`, "1", 422, "answers.pia_next_review"},
		{"no answers", `{}`, "1", 422, "answers"},
		{"unknown field", `{"answer":{}}`, "1", 400, "answer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.ifMatch != "" {
				headers = []string{"If-Match", tc.ifMatch}
			}
			r := a.api("PATCH", path, tok, tc.body, headers...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			var body struct{ Error, Field string }
			r.json(t, &body)
			if body.Field != tc.field || body.Error == "" {
				t.Errorf("error %q field %q, want field %q", body.Error, body.Field, tc.field)
			}
		})
	}
}

func TestAssessmentAuthorization(t *testing.T) {
	f := newMatrixFixture(t)
	a := f.app
	id := startAssessment(t, a, a.token(f.users[owner]), f.project)
	api := fmt.Sprintf("/api/v1/assessments/%d", id)
	section := fmt.Sprintf("/assessments/%d/sections/purpose", id)
	want := map[who][3]int{ // GET API, PATCH API, POST section form
		owner:     {200, 200, 303},
		assessor:  {200, 200, 303},
		reviewer:  {200, 403, 403},
		viewer:    {200, 403, 403},
		nonMember: {404, 404, 404},
		admin:     {200, 200, 303},
	}
	for w, codes := range want {
		t.Run(string(w), func(t *testing.T) {
			tok := a.token(f.users[w])
			if r := a.api("GET", api, tok, ""); r.status != codes[0] {
				t.Errorf("GET: %d, want %d", r.status, codes[0])
			}
			current := a.api("GET", api, a.token(f.users[owner]), "").header.Get("ETag")
			if r := a.api("PATCH", api+"/answers", tok, `{"answers":{"purpose_description":"by `+string(w)+`"}}`, "If-Match", current); r.status != codes[1] {
				t.Errorf("PATCH: %d, want %d: %s", r.status, codes[1], r.body)
			}
			c := a.signedIn(f.users[w])
			rev := strings.Trim(a.api("GET", api, a.token(f.users[owner]), "").header.Get("ETag"), `"`)
			if r := c.post(section, url.Values{"revision": {rev}, "q.purpose_description": {"form by " + string(w)}}); r.status != codes[2] {
				t.Errorf("POST section: %d, want %d", r.status, codes[2])
			}
			page := c.get(section)
			if codes[0] == 200 && (page.has("section-form") != (codes[2] == 303) || page.has("read-only") == (codes[2] == 303)) {
				t.Errorf("edit controls shown=%v for %s", page.has("section-form"), w)
			}
		})
	}
	if r := a.anonymous().get(section); r.status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", r.status)
	}
}

// TestSectionFormWithoutJavaScript fills a section with plain form posts: conditional questions
// show after the save that makes them apply, invalid answers keep everything typed, and progress
// moves.
func TestSectionFormWithoutJavaScript(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	id := startAssessment(t, a, a.token(u), a.project(u, "Support bot"))
	c := a.signedIn(u)
	dp := fmt.Sprintf("/assessments/%d/sections/differential_privacy", id)

	page := c.get(dp)
	if page.status != 200 || !page.has("section-form") {
		t.Fatalf("section page: %d", page.status)
	}
	if !strings.Contains(page.body, `data-testid="question-epsilon" hidden`) {
		t.Fatal("epsilon shows before DP is said to be used")
	}

	// An invalid number is refused; nothing is saved and the typed text stays.
	res := c.post(dp, url.Values{"revision": {"1"}, "q.uses_dp": {"yes"}, "q.epsilon": {"lots"}})
	if res.status != http.StatusUnprocessableEntity || !res.has("error-epsilon") || !strings.Contains(res.body, `value="lots"`) {
		t.Fatalf("invalid answer: %d", res.status)
	}
	if as, _ := a.store.Assessment(t.Context(), int64(id)); as.Revision != 1 {
		t.Fatalf("an invalid form saved something: revision %d", as.Revision)
	}

	res = c.post(dp, url.Values{"revision": {"1"}, "q.uses_dp": {"yes"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.status, res.body)
	}
	page = c.get(dp)
	if strings.Contains(page.body, `data-testid="question-epsilon" hidden`) || !page.has("question-epsilon") {
		t.Fatal("epsilon still hidden after answering that DP is used")
	}
	if !strings.Contains(page.body, `name="q.uses_dp" value="yes" checked`) {
		t.Error("the saved answer is not checked after reload")
	}

	res = c.post(dp, url.Values{"revision": {"2"}, "q.uses_dp": {"yes"}, "q.epsilon": {"12"}, "next": {"access_storage"}})
	if res.status != http.StatusSeeOther || !strings.HasSuffix(res.header.Get("Location"), "/sections/access_storage") {
		t.Fatalf("save and continue: %d %s", res.status, res.header.Get("Location"))
	}
	overview := c.get(fmt.Sprintf("/assessments/%d", id))
	if !overview.has("risk-list") || !strings.Contains(overview.body, "privacy budget") && !strings.Contains(overview.body, "psilon") {
		t.Errorf("epsilon 12 raised no visible risk")
	}
}

func TestSectionSaveConflictKeepsTypedAnswers(t *testing.T) {
	a := newApp(t)
	alice := a.user("alice@example.org", false)
	bob := a.user("bob@example.org", false)
	p := a.project(alice, "Support bot")
	a.member(p, bob, assessments.RoleAssessor)
	id := startAssessment(t, a, a.token(alice), p)
	purpose := fmt.Sprintf("/assessments/%d/sections/purpose", id)

	// Bob saves first.
	if r := a.api("PATCH", fmt.Sprintf("/api/v1/assessments/%d/answers", id), a.token(bob), `{"answers":{"purpose_description":"Bob's text"}}`, "If-Match", "1"); r.status != 200 {
		t.Fatalf("bob: %d", r.status)
	}
	// Alice's form was opened at revision 1.
	c := a.signedIn(alice)
	res := c.post(purpose, url.Values{"revision": {"1"}, "q.purpose_description": {"Alice's own words"}})
	if res.status != http.StatusConflict || !res.has("conflict") {
		t.Fatalf("stale save: %d", res.status)
	}
	for _, want := range []string{"Alice&#39;s own words", "Bob&#39;s text", "bob@example.org", `name="revision" value="2"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("conflict page lacks %q", want)
		}
	}
	as, _ := a.store.Assessment(t.Context(), id)
	if as.Answers()["purpose_description"] != "Bob's text" {
		t.Fatalf("the stale save overwrote bob: %v", as.Answers()["purpose_description"])
	}
	// Saving again from the conflict page applies Alice's answer on top, knowingly.
	if r := c.post(purpose, url.Values{"revision": {"2"}, "q.purpose_description": {"Alice's own words"}}); r.status != http.StatusSeeOther {
		t.Fatalf("second save: %d", r.status)
	}
}

func TestAutosaveAnswersJSON(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	id := startAssessment(t, a, a.token(u), a.project(u, "Support bot"))
	c := a.signedIn(u)
	form := url.Values{"revision": {"1"}, "q.uses_dp": {"yes"}, "_csrf": {c.csrf}}
	req, _ := http.NewRequest("POST", a.srv.URL+fmt.Sprintf("/assessments/%d/sections/differential_privacy", id), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res := c.do(req)
	if res.status != 200 {
		t.Fatalf("autosave: %d %s", res.status, res.body)
	}
	var out struct {
		Revision int
		Visible  map[string]bool
		Progress struct{ Answered int }
		Sections map[string]struct{ Complete bool }
	}
	res.json(t, &out)
	if out.Revision != 2 || !out.Visible["epsilon"] || out.Progress.Answered != 1 {
		t.Fatalf("autosave answer: %+v", out)
	}
	if _, ok := out.Sections["purpose"]; !ok {
		t.Error("no section marks")
	}
}

func TestNewCycleCarriesAnswersOver(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	p := a.project(u, "Support bot")
	id := startAssessment(t, a, tok, p)
	a.api("PATCH", fmt.Sprintf("/api/v1/assessments/%d/answers", id), tok, `{"answers":{"uses_dp":"yes","epsilon":4}}`, "If-Match", "1")
	// Only one open assessment at a time.
	if r := a.api("POST", fmt.Sprintf("/api/v1/projects/%d/assessments", p.ID), tok, `{"questionnaire":"llm-finetuning"}`); r.status != http.StatusConflict {
		t.Fatalf("second open assessment: %d", r.status)
	}
	if r := a.api("POST", fmt.Sprintf("/api/v1/projects/%d/assessments", p.ID), tok, `{"questionnaire":"nope"}`); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown questionnaire: %d", r.status)
	}
	approve(t, a, id)
	next := startAssessment(t, a, tok, p)
	as, err := a.store.Assessment(t.Context(), next)
	if err != nil || as.Cycle != 2 || as.Answers()["uses_dp"] != "yes" || as.Answers()["epsilon"] != 4.0 {
		t.Fatalf("cycle 2: %+v %v", as, err)
	}
	list := a.api("GET", fmt.Sprintf("/api/v1/projects/%d/assessments", p.ID), tok, "")
	if strings.Count(list.body, `"cycle"`) != 2 {
		t.Errorf("project assessments: %s", list.body)
	}
}

// approve marks an assessment approved directly in the store: the review workflow is not what
// these tests are about.
func approve(t *testing.T, a *app, id int64) {
	t.Helper()
	as, err := a.store.Assessment(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.ApplyChange(t.Context(), id, as.Revision, 0, approvedChange, "Approved"); err != nil {
		t.Fatal(err)
	}
}

func TestQuestionnaireAPI(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	r := a.api("GET", "/api/v1/questionnaires", tok, "")
	if r.status != 200 || !strings.Contains(r.body, `"key":"llm-finetuning"`) {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	r = a.api("GET", "/api/v1/questionnaires/llm-finetuning", tok, "")
	var def struct {
		Key      string
		Version  int
		Sections []struct {
			Key       string
			Questions []struct {
				Key    string
				ShowIf map[string]any `json:"show_if"`
			}
		}
		Rules []struct {
			Key  string
			When map[string]any
		}
	}
	r.json(t, &def)
	if def.Key != "llm-finetuning" || len(def.Sections) < 8 || len(def.Rules) < 25 {
		t.Fatalf("definition: %s v%d, %d sections, %d rules", def.Key, def.Version, len(def.Sections), len(def.Rules))
	}
	conditional := 0
	for _, s := range def.Sections {
		for _, q := range s.Questions {
			if q.ShowIf != nil {
				conditional++
			}
		}
	}
	if conditional == 0 || def.Rules[0].When == nil {
		t.Error("conditions and rules are not structured data in the JSON")
	}
	if r := a.api("GET", "/api/v1/questionnaires/llm-finetuning?version=99", tok, ""); r.status != 404 {
		t.Errorf("missing version: %d", r.status)
	}
	if r := a.api("GET", "/api/v1/questionnaires/nope", tok, ""); r.status != 404 {
		t.Errorf("missing key: %d", r.status)
	}
}

const customQuestionnaire = `key: vendor-check
version: 1
title: Vendor check
sections:
  - key: vendor
    title: Vendor
    questions:
      - key: vendor_dpa
        type: yes_no
        label: Is a data processing agreement signed?
rules:
  - key: no-dpa
    title: No DPA
    description: A processor without a DPA.
    category: vendor
    likelihood: 3
    severity: 3
    mitigations: [processor-dpa]
    when: {question: vendor_dpa, equals: "no"}
`

func TestQuestionnaireImport(t *testing.T) {
	a := newApp(t)
	root := a.user("root@example.org", true)
	u := a.user("alice@example.org", false)
	if r := a.api("POST", "/api/v1/questionnaires", a.token(u), customQuestionnaire, "Content-Type", "application/yaml"); r.status != http.StatusForbidden {
		t.Fatalf("non-admin import: %d", r.status)
	}
	broken := strings.Replace(customQuestionnaire, "type: yes_no", "type: yesno", 1)
	r := a.api("POST", "/api/v1/questionnaires", a.token(root), broken, "Content-Type", "application/yaml")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"line":9`) {
		t.Fatalf("broken import: %d %s", r.status, r.body)
	}
	mitigation := strings.Replace(customQuestionnaire, "processor-dpa", "no-such-mitigation", 1)
	if r := a.api("POST", "/api/v1/questionnaires", a.token(root), mitigation, "Content-Type", "application/yaml"); r.status != 422 || !strings.Contains(r.body, "catalogue") {
		t.Fatalf("unknown mitigation: %d %s", r.status, r.body)
	}
	if r := a.api("POST", "/api/v1/questionnaires", a.token(root), customQuestionnaire, "Content-Type", "application/yaml"); r.status != http.StatusCreated {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	if r := a.api("POST", "/api/v1/questionnaires", a.token(root), customQuestionnaire, "Content-Type", "application/yaml"); r.status != 422 || !strings.Contains(r.body, "exists already") {
		t.Fatalf("duplicate import: %d %s", r.status, r.body)
	}
	// The admin page lists it; a broken upload through the UI shows its problems with lines.
	c := a.signedIn(root)
	if page := c.get("/admin/questionnaires"); !strings.Contains(page.body, "vendor-check") {
		t.Error("imported questionnaire not listed")
	}
	res := c.upload("/admin/questionnaires", "file", "broken.yaml", broken)
	if res.status != http.StatusUnprocessableEntity || !res.has("import-problems") || !strings.Contains(res.body, "broken.yaml:9:") {
		t.Fatalf("UI import of a broken file: %d\n%s", res.status, res.body)
	}
	v2 := strings.Replace(customQuestionnaire, "version: 1", "version: 2", 1)
	if res := c.upload("/admin/questionnaires", "file", "v2.yaml", v2); res.status != http.StatusSeeOther {
		t.Fatalf("UI import: %d", res.status)
	}
	// New assessments start on the newest version.
	p := a.project(u, "Vendor project")
	r = a.api("POST", fmt.Sprintf("/api/v1/projects/%d/assessments", p.ID), a.token(u), `{"questionnaire":"vendor-check"}`)
	if r.status != 201 || !strings.Contains(r.body, `"version":2`) {
		t.Fatalf("start on imported: %d %s", r.status, r.body)
	}
}

var approvedChange = assessments.Change{Status: assessments.Approved}
