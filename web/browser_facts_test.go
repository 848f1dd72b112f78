package web_test

// Browser test of issue 11's "one source of truth": beside a question that asks what the project
// records, the section page says where the value comes from; a contradiction between project and
// answer is shown there, on the overview and on the project page, and goes once corrected.

import (
	"fmt"
	"strings"
	"testing"
)

func TestBrowserProjectFacts(t *testing.T) {
	f := newFactsFixture(t)
	b := newBrowser(t, f.app)
	b.signIn(f.assessor.Email, testPassword)
	page := fmt.Sprintf("/assessments/%d", f.id)

	b.visit(page + "/sections/data_inventory")
	source, contradiction := "fact-source-special_categories_present", "contradiction-special_categories_present"
	if !b.shown(source) || !b.shown(contradiction) {
		t.Fatalf("section page: source note shown %v, contradiction shown %v", b.shown(source), b.shown(contradiction))
	}
	if got := b.text(source); !strings.Contains(got, "From the project's datasets (1 of 1 hold special categories)") || !strings.Contains(got, "see the project") {
		t.Errorf("source note: %q", got)
	}
	if href := b.prop(`[data-testid="`+source+`"] a`, "pathname"); href != fmt.Sprintf("/projects/%d", f.project.ID) {
		t.Errorf("the source note links to %q, not the project", href)
	}
	if got := b.text(contradiction); !strings.Contains(got, "Contradicts the project (blocks submission)") || !strings.Contains(got, "special categories “Yes” but the answer says “No”") {
		t.Errorf("contradiction: %q", got)
	}
	b.snapshot("section")

	b.visit(page)
	if !b.shown("overview-contradiction-special_categories_present") {
		t.Fatal("the overview does not show the contradiction")
	}
	if got := b.text("facts-card"); !strings.Contains(got, "Blocks submission") {
		t.Errorf("overview facts: %q", got)
	}
	b.snapshot("overview")

	b.visit(fmt.Sprintf("/projects/%d", f.project.ID))
	if !b.shown("project-contradiction-special_categories_present") {
		t.Fatal("the project page does not show the contradiction")
	}
	b.snapshot("project")

	// Correcting the answer on the section page (the autosave stores it) clears every notice.
	b.visit(page + "/sections/data_inventory")
	b.riskPick("special_categories_present", "Yes")
	b.visit(page + "/sections/data_inventory")
	if b.exists(contradiction) || !b.shown(source) {
		t.Errorf("after the correction: contradiction %v, source note %v", b.exists(contradiction), b.shown(source))
	}
	b.visit(page)
	if b.exists("facts-card") {
		t.Error("the overview still lists a contradiction")
	}
}
