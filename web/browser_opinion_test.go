package web_test

// Browser test of the attributed opinion: an assessor is not offered the consultation form, a
// reviewer gives the opinion, the overview names her with the date and revision, the approval
// freezes it, and the history shows runs of saves as entries that expand.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserOpinion(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	rev := f.users[reviewer]
	if err := a.store.UpdateUser(t.Context(), rev.ID, "Rita Reviewer", false); err != nil {
		t.Fatal(err)
	}
	overview := fmt.Sprintf("/assessments/%d", f.id)

	// The assessor sees who gives the opinion, and no form to give it.
	ab := reviewSignedIn(t, a, f.users[assessor])
	ab.visit(overview)
	if ab.exists("consultation-form") {
		t.Fatal("the assessor is offered the consultation form")
	}
	if got := ab.text("consultation-who"); !strings.Contains(got, "Only a reviewer of this project gives the opinion") {
		t.Errorf("the assessor's consultation card says %q", got)
	}
	ab.snapshot("1-assessor")

	// The reviewer gives it.
	rb := reviewSignedIn(t, a, rev)
	rb.visit(overview)
	rb.mustFind("consultation-form")
	seen := rb.reviewRevision()
	rb.fill("#dpo_opinion", "Proportionate, provided the canary test runs before release.")
	rb.choose("#views_sought", "no")
	rb.fill("#views", "A survey of customers was judged disproportionate.")
	rb.press("Give opinion")
	rb.reviewFlash("Consultation saved.")
	as, err := a.store.Assessment(t.Context(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("Given by Rita Reviewer on %s, revision %d.", as.State.Consultation.GivenAt[:10], seen)
	if got := rb.text("opinion-attribution"); got != want {
		t.Errorf("attribution on the reviewer's overview: %q, want %q", got, want)
	}
	rb.snapshot("2-given")

	// The assessor sees it attributed, then submits; the reviewer who gave it approves.
	ab.visit(overview)
	if got := ab.text("opinion-attribution"); got != want {
		t.Errorf("attribution on the assessor's overview: %q, want %q", got, want)
	}
	if got := ab.text("dpo-opinion"); got != "Proportionate, provided the canary test runs before release." {
		t.Errorf("the assessor reads the opinion as %q", got)
	}
	ab.press("Submit for review")
	ab.reviewFlash("Submitted for review. The project's reviewers have been notified.")
	rb.visit(overview)
	if rb.exists("decide-problem") {
		t.Fatalf("the reviewer who gave the opinion may not decide: %s", rb.text("decide-problem"))
	}
	rb.press("Approve")
	if s := rb.reviewStatus(); s != "Approved" {
		t.Fatalf("status after approving: %q", s)
	}
	// Frozen with the approval: no form, the attribution stays.
	if rb.exists("consultation-form") {
		t.Error("the approved assessment still offers the consultation form")
	}
	if got := rb.text("opinion-attribution"); got != want {
		t.Errorf("attribution after approval: %q", got)
	}
	rb.snapshot("3-approved")

	// The history: the assessor's answers, saved in quick succession, are one entry that
	// expands into its revisions; status changes stand alone.
	ab.visit(overview + "/history")
	groups := ab.count("history-group")
	if groups == 0 {
		t.Fatalf("no grouped entry in the history; entries: %q", ab.texts("[data-history-entry]"))
	}
	first := "[data-testid=history-group] details"
	if ab.prop(first, "open") != "false" {
		t.Error("a grouped entry starts open")
	}
	nested := "[data-testid=history-group] details tbody tr"
	if visible := evalJS[bool](ab, "see the nested rows", `Array.from(document.querySelectorAll(`+jsString(nested)+`)).some(r => r.checkVisibility())`); visible {
		t.Error("the revisions of a closed entry are visible")
	}
	summary := ab.text("history-group-summary")
	ab.do("open the first entry", chromedp.Click(chromedp.CSS(`[data-testid="history-group-summary"]`), chromedp.NodeVisible))
	if ab.prop(first, "open") != "true" {
		t.Fatalf("the entry %q did not open", summary)
	}
	if visible := evalJS[bool](ab, "see the nested rows", `Array.from(document.querySelectorAll(`+jsString(nested)+`)).some(r => r.checkVisibility())`); !visible {
		t.Error("the opened entry shows no revisions")
	}
	if n := ab.count("revision-row"); n != as.Revision+2 {
		t.Errorf("%d revision rows, want every one of the %d revisions", n, as.Revision+2)
	}
	ab.snapshot("4-history")
}
