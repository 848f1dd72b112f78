package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// factsFixture is a project whose dataset holds special categories, with an assessment whose
// required questions are answered and whose risks are mitigated, but whose answer says there
// are no special categories: the contradiction issue 11 found in a signed report.
type factsFixture struct {
	app                        *app
	assessor, reviewer, viewer *assessments.User
	project                    *assessments.Project
	id                         int64
	base                       string // the assessment's API path
}

const (
	factsPurpose    = "Fine-tune a support assistant on past helpdesk tickets"
	factsDeployment = "Customer-facing application"
)

func newFactsFixture(t *testing.T) *factsFixture {
	t.Helper()
	a := newApp(t)
	f := &factsFixture{app: a}
	f.assessor = a.user("ada@example.org", false)
	p, err := a.store.CreateProject(t.Context(), f.assessor.ID, assessments.ProjectFields{Name: "Clinic bot", Purpose: factsPurpose, Deployment: factsDeployment},
		[]assessments.Dataset{{Name: "tickets", Categories: "names, health conditions", SpecialCategories: true, ApproxRecords: 5000}})
	if err != nil {
		t.Fatal(err)
	}
	f.project = p
	f.reviewer = a.user("rita@example.org", false)
	a.member(p, f.reviewer, assessments.RoleReviewer)
	f.viewer = a.user("vera@example.org", false)
	a.member(p, f.viewer, assessments.RoleViewer)
	tok := a.token(f.assessor)
	f.id = startAssessment(t, a, tok, p)
	f.base = fmt.Sprintf("/api/v1/assessments/%d", f.id)
	f.answer(t, map[string]any{"special_categories_present": "no"})
	completeAnswers(t, a, tok, f.id)
	var reg findingsBody
	a.api("GET", f.base+"/findings", tok, "").json(t, &reg)
	for _, fd := range reg.Findings {
		if fd.Live {
			a.api("POST", f.base+"/findings/"+fd.ID+"/mitigations", tok, `{"title":"Handled"}`, "If-Match", f.etag())
		}
	}
	return f
}

func (f *factsFixture) etag() string {
	return f.app.api("GET", f.base, f.app.token(f.assessor), "").header.Get("ETag")
}

func (f *factsFixture) answer(t *testing.T, answers map[string]any) {
	t.Helper()
	r := f.app.api("PATCH", f.base+"/answers", f.app.token(f.assessor), jsonString(t, map[string]any{"answers": answers}), "If-Match", f.etag())
	if r.status != http.StatusOK {
		t.Fatalf("answering %v: %d %s", answers, r.status, r.body)
	}
}

// The project says special categories "yes", the answer "no": the pages say so and submission
// is refused naming it; once resolved, the signed report says each project fact one way.
func TestProjectFactsContradictionAndReport(t *testing.T) {
	f := newFactsFixture(t)
	a := f.app
	tok := a.token(f.assessor)

	// Prefilled from the project at the start: the purpose and the record count.
	var got struct{ Answers map[string]any }
	a.api("GET", f.base, tok, "").json(t, &got)
	if got.Answers["purpose_description"] != factsPurpose || got.Answers["record_count"] != float64(5000) {
		t.Errorf("not prefilled from the project: purpose %v, records %v", got.Answers["purpose_description"], got.Answers["record_count"])
	}

	c := a.signedIn(f.assessor)
	page := fmt.Sprintf("/assessments/%d", f.id)
	section := c.get(page + "/sections/data_inventory")
	if !section.has("contradiction-special_categories_present") || !section.has("fact-source-special_categories_present") ||
		!strings.Contains(section.body, "From the project&#39;s datasets (1 of 1 hold special categories)") {
		t.Errorf("section page lacks the source note or the contradiction (%d)", section.status)
	}
	if overview := c.get(page); !overview.has("overview-contradiction-special_categories_present") {
		t.Error("overview lacks the contradiction")
	}
	if project := c.get(fmt.Sprintf("/projects/%d", f.project.ID)); !project.has("project-contradiction-special_categories_present") {
		t.Error("project page lacks the contradiction")
	}

	r := a.api("POST", f.base+"/submit", tok, "", "If-Match", f.etag())
	if r.status != http.StatusConflict || !strings.Contains(r.body, "contradicts the project") || !strings.Contains(r.body, "special categories") {
		t.Fatalf("submit with a contradiction: %d %s", r.status, r.body)
	}

	// Resolved: the answer agrees with the project.
	f.answer(t, map[string]any{"special_categories_present": "yes"})
	completeAnswers(t, a, tok, f.id) // "yes" reveals the Art. 9 questions
	var reg findingsBody
	a.api("GET", f.base+"/findings", tok, "").json(t, &reg)
	for _, fd := range reg.Findings {
		if fd.Live && len(fd.Mitigations) == 0 {
			a.api("POST", f.base+"/findings/"+fd.ID+"/mitigations", tok, `{"title":"Handled"}`, "If-Match", f.etag())
		}
	}
	if section := c.get(page + "/sections/data_inventory"); section.has("contradiction-special_categories_present") {
		t.Error("the contradiction is still shown after it was resolved")
	}
	if r := a.api("POST", f.base+"/submit", tok, "", "If-Match", f.etag()); r.status != http.StatusOK {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := a.api("POST", f.base+"/approve", a.token(f.reviewer), "", "If-Match", f.etag()); r.status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}

	v := a.signedIn(f.viewer)
	md := string(download(t, v, page+"/report.md"))
	download(t, v, page+"/report.md.sig")
	assertFactsAgree(t, md)
}

// assertFactsAgree checks that the report states each project fact one way.
func assertFactsAgree(t *testing.T, md string) {
	t.Helper()
	// The next review date: one date, no question asking for another.
	if strings.Contains(md, "next scheduled review") {
		t.Error("the report prints a question asking for the next review date")
	}
	dates := regexp.MustCompile(`(?i)next review[^\n]*?(\d{4}-\d{2}-\d{2})`).FindAllStringSubmatch(md, -1)
	if len(dates) == 0 {
		t.Error("the report gives no next review date")
	}
	for _, d := range dates {
		if d[1] != dates[0][1] {
			t.Errorf("two next review dates: %s and %s", dates[0][1], d[1])
		}
	}
	// Special categories: the dataset says yes; no line may say otherwise.
	for _, line := range strings.Split(md, "\n") {
		l := strings.ToLower(line)
		if strings.Contains(l, "special categor") && (strings.Contains(l, "| no") || strings.HasSuffix(strings.TrimSpace(l), ": no") || strings.Contains(l, "**no**")) {
			t.Errorf("the report says no special categories: %q", line)
		}
	}
	// Deployment: the project's, and the answer says the same.
	for _, line := range strings.Split(md, "\n") {
		if strings.Contains(line, "**Deployment:**") || strings.Contains(line, "How will the fine-tuned model be deployed?") {
			if !strings.Contains(line, factsDeployment) {
				t.Errorf("deployment stated otherwise than the project's %q: %q", factsDeployment, line)
			}
		}
	}
	// Purpose and record count: the project's values, and any answer agrees.
	if !strings.Contains(md, factsPurpose) {
		t.Error("the report lacks the project's purpose")
	}
	for _, line := range strings.Split(md, "\n") {
		l := strings.ToLower(line)
		if strings.Contains(l, "training examples") || strings.Contains(l, "records") {
			for _, n := range regexp.MustCompile(`\b\d[\d,  ]*\d\b`).FindAllString(line, -1) {
				clean := strings.NewReplacer(",", "", " ", "", " ", "").Replace(n)
				if len(clean) >= 3 && clean != "5000" {
					t.Errorf("a record count other than the project's 5000: %q", line)
				}
			}
		}
	}
}
