package web_test

// Browser tests of the review loop: an assessor submits, a reviewer hears of it through the bell,
// comments on a question and asks for changes, the assessor fixes the answer, resolves the comment
// and submits again, and the reviewer approves. Then the history shows the fix as a line diff.
// Each person signs in through the login form in a browser of their own.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/piaf-dev/piaf/assessments"
)

const (
	// reviewOldPurpose is what newReviewFixture answers to every long text question.
	reviewOldPurpose = "Documented in the project wiki."
	// reviewNewPurpose is the assessor's fix: the first line reworded, a second line added.
	reviewNewPurpose = "Documented in the support team's wiki.\nOnly the support agents read the drafts."
	reviewComment    = "Say who reads the drafts."
	reviewRequest    = "Explain who reads the drafts, then submit again."
)

// reviewSignedIn starts a browser for one person and signs them in through the login form.
func reviewSignedIn(t *testing.T, a *app, u *assessments.User) *browser {
	t.Helper()
	b := newBrowser(t, a)
	b.signIn(u.Email, testPassword)
	return b
}

// reviewSignOut signs out with the button in the top bar.
func (b *browser) reviewSignOut() {
	b.t.Helper()
	b.press("Sign out")
	if p := b.path(); p != "/login" || b.exists("current-user") {
		b.t.Fatalf("after signing out the browser is on %s, signed in: %v", p, b.exists("current-user"))
	}
}

// reviewFlash checks the message the last page load flashed.
func (b *browser) reviewFlash(want string) {
	b.t.Helper()
	if !b.exists("flash") {
		b.t.Errorf("no flash on %s, want %q; page says: %.300s", b.path(), want, b.text("#main"))
		return
	}
	if got := b.text("flash"); got != want {
		b.t.Errorf("flash on %s: %q, want %q", b.path(), got, want)
	}
}

// reviewStatus is the status badge of the assessment pages.
func (b *browser) reviewStatus() string {
	b.t.Helper()
	return b.text("assessment-status")
}

// reviewRevision is the revision number the overview shows.
func (b *browser) reviewRevision() int {
	b.t.Helper()
	n, err := strconv.Atoi(b.text("revision"))
	if err != nil {
		b.t.Fatalf("the overview's revision %q is not a number", b.text("revision"))
	}
	return n
}

// reviewUnread is the number on the bell; 0 when it shows none.
func (b *browser) reviewUnread() int {
	b.t.Helper()
	if !b.exists("unread-count") {
		return 0
	}
	n, err := strconv.Atoi(b.text("unread-count"))
	if err != nil {
		b.t.Fatalf("the bell's count %q is not a number", b.text("unread-count"))
	}
	return n
}

// reviewOpenCommentField opens the "Comment" disclosure under a question, as a user clicks it.
func (b *browser) reviewOpenCommentField(key string) {
	b.t.Helper()
	summary := "#comments-" + key + " details.comment-form summary"
	b.mustFind(summary)
	b.do("open the comment field of "+key, chromedp.Click(chromedp.CSS(summary), chromedp.NodeVisible))
	if b.prop("#comments-"+key+" details.comment-form", "open") != "true" {
		b.t.Fatalf("the comment field of %s did not open", key)
	}
}

// reviewEvents are the lines of the overview's list of decisions.
func (b *browser) reviewEvents() []string {
	b.t.Helper()
	return b.texts("[data-testid=review-events] > li")
}

// reviewHasForm tells whether a section page offers any way to change answers or comment.
func (b *browser) reviewHasForm() bool {
	b.t.Helper()
	return b.exists("section-form") || b.exists("textarea[name^='q.']") || b.exists("input[name^='q.']") ||
		b.exists("save") || b.exists("[data-testid^=add-comment-]")
}

var reviewHashRE = regexp.MustCompile(`revision is (\d+), SHA-256 ([0-9a-f]{64})\.`)

func TestBrowserReviewCycle(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	overview := fmt.Sprintf("/assessments/%d", f.id)
	purpose := overview + "/sections/purpose"
	const key = "purpose_description"
	storedAnswers(t, a, f.id, map[string]string{key: reviewOldPurpose})

	// 1. The assessor submits for review with a note.
	ab := reviewSignedIn(t, a, f.users[assessor])
	ab.visit(overview)
	if s := ab.reviewStatus(); s != "Draft" {
		t.Fatalf("the fixture's assessment is %s, want Draft", s)
	}
	if ab.exists("submit-problems") || !ab.exists("submit-form") {
		t.Fatalf("the assessor cannot submit; the review panel says: %s", ab.text("review-panel"))
	}
	ab.snapshot("1-draft")
	ab.fill("#note", "Ready for a first look.")
	ab.press("Submit for review")
	if ab.path() != overview {
		t.Fatalf("submitting led to %s", ab.path())
	}
	ab.reviewFlash("Submitted for review. The project's reviewers have been notified.")
	if s := ab.reviewStatus(); s != "In review" {
		t.Errorf("status after submitting %q, want In review", s)
	}
	if ab.exists("submit-form") || ab.exists("decide-form") || ab.exists("continue") {
		t.Error("in review the assessor still sees the submit form, a decision form or Continue")
	}
	if p := ab.text("review-panel"); !strings.Contains(p, "Answers are frozen") {
		t.Errorf("the review panel in review says: %s", p)
	}
	if ev := ab.reviewEvents(); len(ev) != 1 || !strings.HasPrefix(ev[0], "Submitted") || !strings.Contains(ev[0], "Ready for a first look.") {
		t.Errorf("decisions after submitting: %q", ev)
	}
	ab.snapshot("2-in-review")

	// 2. The reviewer hears of it through the bell and follows the notification.
	rb := reviewSignedIn(t, a, f.users[reviewer])
	if n := rb.reviewUnread(); n != 1 {
		t.Errorf("the reviewer's bell counts %d, want 1", n)
	}
	rb.click("bell")
	if rb.path() != "/notifications" {
		t.Fatalf("the bell leads to %s", rb.path())
	}
	notes := rb.texts("notification")
	if len(notes) != 1 || !strings.Contains(notes[0], "Support bot: an assessment awaits your review") || !strings.Contains(notes[0], "new") {
		t.Fatalf("the reviewer's notifications: %q", notes)
	}
	rb.snapshot("3-notifications")
	rb.click("[data-testid=notification] button")
	if rb.path() != overview {
		t.Fatalf("the notification leads to %s, want %s", rb.path(), overview)
	}
	if n := rb.reviewUnread(); n != 0 {
		t.Errorf("the bell still counts %d after following the notification", n)
	}
	if !rb.exists("approve") || !rb.exists("request-changes") {
		t.Fatalf("the reviewer is offered no decision; the review panel says: %s", rb.text("review-panel"))
	}
	rb.snapshot("4-reviewer-overview")

	// The reviewer comments on a question of the first section.
	rb.click(`.section-nav a[href$="/sections/purpose"]`)
	if rb.path() != purpose {
		t.Fatalf("the section link leads to %s", rb.path())
	}
	if n := rb.text("read-only"); !strings.Contains(n, "in review and cannot be edited") {
		t.Errorf("read-only notice in review: %q", n)
	}
	rb.reviewOpenCommentField(key)
	rb.fill("#comment-"+key, reviewComment)
	rb.click("add-comment-" + key)
	if p := rb.path(); p != purpose {
		t.Errorf("adding a comment led to %s", p)
	}
	rb.reviewFlash("Comment added.")
	if c := rb.texts("#comments-" + key + " [data-testid=comment]"); len(c) != 1 || !strings.Contains(c[0], reviewComment) || !strings.Contains(c[0], f.users[reviewer].Email) {
		t.Errorf("comments on %s after adding one: %q", key, c)
	}
	rb.snapshot("5-comment")

	// On the overview, asking for changes needs a comment; with one, the status changes.
	rb.click(`.tabs a[href="` + overview + `"]`)
	if oc := rb.text("open-comments"); !strings.Contains(oc, reviewComment) {
		t.Errorf("open comments on the overview: %q", oc)
	}
	rb.press("Request changes")
	if e := rb.text("review-error"); e != "Say what needs to change." {
		t.Errorf("requesting changes without a comment says %q", e)
	}
	if s := rb.reviewStatus(); s != "In review" {
		t.Errorf("a refused request for changes left the status %q", s)
	}
	rb.fill("#comment", reviewRequest)
	rb.press("Request changes")
	rb.reviewFlash("Changes requested. The assessors have been notified.")
	if s := rb.reviewStatus(); s != "Changes requested" {
		t.Errorf("status after requesting changes %q", s)
	}
	if rb.exists("decide-form") {
		t.Error("the decision form is still offered after the decision")
	}
	if ev := rb.reviewEvents(); len(ev) != 2 || !strings.HasPrefix(ev[1], "Changes requested by "+f.users[reviewer].Email) || !strings.Contains(ev[1], reviewRequest) {
		t.Errorf("decisions after requesting changes: %q", ev)
	}
	rb.snapshot("6-changes-requested")

	// 3. The assessor sees the request and the comment, fixes the answer and resolves the comment.
	ab.visit("/")
	if n := ab.reviewUnread(); n != 2 {
		t.Errorf("the assessor's bell counts %d, want 2 (the comment and the request)", n)
	}
	ab.visit(overview)
	// Opening the assessment reads the request's notification; the comment's points elsewhere.
	if n := ab.reviewUnread(); n != 1 {
		t.Errorf("the assessor's bell counts %d on the overview, want 1 (the comment)", n)
	}
	if s := ab.reviewStatus(); s != "Changes requested" {
		t.Errorf("the assessor sees status %q", s)
	}
	if p := ab.text("review-panel"); !strings.Contains(p, "A reviewer asked for changes") || !strings.Contains(p, reviewRequest) {
		t.Errorf("the assessor's review panel: %s", p)
	}
	if oc := ab.texts("[data-testid=open-comments] li"); len(oc) != 1 || !strings.Contains(oc[0], reviewComment) {
		t.Errorf("open comments on the assessor's overview: %q", oc)
	}
	before := ab.reviewRevision()
	ab.snapshot("7-assessor-changes-requested")
	// The comment's notification leads to the question.
	ab.click("bell")
	notes = ab.texts("notification")
	if len(notes) != 2 || !strings.Contains(notes[0], "Support bot: changes requested on the assessment") ||
		!strings.Contains(notes[1], "Support bot: new comment from "+f.users[reviewer].Email) {
		t.Errorf("the assessor's notifications, newest first: %q", notes)
	}
	ab.press("Support bot: new comment from " + f.users[reviewer].Email)
	if ab.path() != purpose {
		t.Fatalf("the comment's notification leads to %s", ab.path())
	}
	if n := ab.reviewUnread(); n != 0 {
		t.Errorf("the assessor's bell counts %d after reading both notifications", n)
	}
	thread := "#comments-" + key
	if c := ab.texts(thread + " [data-testid=comment]"); len(c) != 1 || !strings.Contains(c[0], reviewComment) {
		t.Fatalf("the assessor sees the comments %q on %s", c, key)
	}
	if v := ab.value("#f-" + key); v != reviewOldPurpose {
		t.Errorf("the answer before the fix %q", v)
	}
	ab.fill("#f-"+key, reviewNewPurpose)
	ab.press("Save")
	ab.reviewFlash("Saved.")
	after := storedAnswers(t, a, f.id, map[string]string{key: reviewNewPurpose})
	if v := ab.value("#f-" + key); v != reviewNewPurpose {
		t.Errorf("the answer after saving %q", v)
	}
	ab.click(thread + " [data-testid=resolve-comment]")
	ab.reviewFlash("Comment resolved.")
	if ab.exists(thread + " [data-testid=comment]") {
		t.Error("the resolved comment is still shown under the question")
	}
	ab.snapshot("8-fixed")

	ab.click(`.tabs a[href="` + overview + `"]`)
	if s := ab.reviewStatus(); s != "Draft" {
		t.Errorf("status after the fix %q, want Draft", s)
	}
	if ab.exists("open-comments") {
		t.Errorf("open comments after resolving: %q", ab.text("open-comments"))
	}
	ab.fill("#note", "Said who reads the drafts.")
	ab.press("Submit for review")
	ab.reviewFlash("Submitted for review. The project's reviewers have been notified.")
	if s := ab.reviewStatus(); s != "In review" {
		t.Errorf("status after submitting again %q", s)
	}

	// 4. The reviewer, who asked for the changes but made none, approves.
	rb.visit("/")
	if n := rb.reviewUnread(); n != 1 {
		t.Errorf("the reviewer's bell counts %d after the second submission, want 1", n)
	}
	rb.visit(overview)
	if rb.exists("decide-problem") {
		t.Fatalf("the reviewer may not decide: %s", rb.text("decide-problem"))
	}
	rb.fill("#comment", "Clear now. Approved.")
	rb.press("Approve")
	as, err := a.store.Assessment(t.Context(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	rb.reviewFlash(fmt.Sprintf("Approved. The assessment is frozen at revision %d.", as.Revision))
	if s := rb.reviewStatus(); s != "Approved" {
		t.Errorf("status after approving %q", s)
	}
	note := rb.text("approved-note")
	if m := reviewHashRE.FindStringSubmatch(note); m == nil || m[1] != strconv.Itoa(as.Revision) || m[2] != as.StateHash {
		t.Errorf("the approval note %q does not name revision %d and hash %s", note, as.Revision, as.StateHash)
	}
	if rb.exists("decide-form") || rb.exists("consultation-form") {
		t.Error("an approved assessment still offers a decision or the consultation form")
	}
	if ev := rb.reviewEvents(); len(ev) != 4 || !strings.HasPrefix(ev[3], "Approved by "+f.users[reviewer].Email) ||
		!strings.Contains(ev[3], fmt.Sprintf("on revision %d", as.Revision)) || !strings.Contains(ev[3], as.StateHash[:16]) {
		t.Errorf("decisions after approving: %q", ev)
	}
	rb.snapshot("9-approved")

	// Approved is frozen: the assessor's section page offers no form and no comment field.
	ab.visit(overview)
	if s := ab.reviewStatus(); s != "Approved" {
		t.Errorf("the assessor sees status %q", s)
	}
	if ab.exists("continue") || ab.exists("submit-form") {
		t.Error("the approved overview offers Continue or Submit")
	}
	if !ab.exists("reassess") {
		t.Error("the assessor is not offered a re-assessment of the approved assessment")
	}
	ab.snapshot("10-assessor-approved")
	for _, section := range []string{"differential_privacy", "purpose"} {
		ab.click(`.section-nav a[href$="/sections/` + section + `"]`)
		if n := ab.text("read-only"); !strings.Contains(n, "approved and cannot be edited") {
			t.Errorf("%s: read-only notice %q", section, n)
		}
		if ab.reviewHasForm() {
			t.Errorf("the approved section %s still offers a form", section)
		}
	}
	if got := ab.text("dl.answers"); !strings.Contains(got, "Only the support agents read the drafts.") {
		t.Errorf("the frozen purpose section does not show the fix: %s", got)
	}

	// 5. The history lists the status changes and compares the revisions around the fix.
	ab.click("tab-history")
	if ab.path() != overview+"/history" {
		t.Fatalf("the History tab leads to %s", ab.path())
	}
	if n := ab.count("revision-row"); n != as.Revision {
		t.Errorf("%d revisions listed, want %d", n, as.Revision)
	}
	var statuses []string
	for _, s := range ab.texts("tr.status-change .badge") {
		statuses = append([]string{s}, statuses...) // the list is newest first
	}
	if got, want := strings.Join(statuses, ", "), "Draft, In review, Changes requested, Draft, In review, Approved"; got != want {
		t.Errorf("status changes in the history: %s; want %s", got, want)
	}
	ab.snapshot("11-history")
	ab.fill("#from", strconv.Itoa(before))
	ab.fill("#to", strconv.Itoa(after))
	ab.press("Compare")
	if want := fmt.Sprintf("%s/history?from=%d&to=%d", overview, before, after); ab.path() != want {
		t.Errorf("comparing led to %s, want %s", ab.path(), want)
	}
	if c := ab.text("comparison"); !strings.Contains(c, "Status: Changes requested → Draft") {
		t.Errorf("the comparison does not give the status change: %s", c)
	}
	rows := ab.texts("[data-testid=answer-diff] tbody tr")
	if len(rows) != 1 || !strings.HasPrefix(rows[0], "What is the model fine-tuned to do") {
		t.Errorf("answer diff rows %q, want the purpose alone", rows)
	}
	lines := ab.texts("[data-testid=answer-diff] pre.linediff > span")
	wantLines := []string{"- " + reviewOldPurpose, "+ Documented in the support team's wiki.", "+ Only the support agents read the drafts."}
	if strings.Join(lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("line diff:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
	}
	if removed, added := ab.count("pre.linediff span.del"), ab.count("pre.linediff span.add"); removed != 1 || added != 2 {
		t.Errorf("the line diff marks %d lines removed and %d added, want 1 and 2", removed, added)
	}
	if ab.exists("[data-testid^=restore-]") {
		t.Error("an approved assessment offers to restore a revision")
	}
	ab.snapshot("12-compare")
}

// TestBrowserReviewSeparationOfDuties: who filled in and submitted an assessment may not also
// approve it, even once they are a reviewer; another reviewer may.
func TestBrowserReviewSeparationOfDuties(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	rita := f.reviewer2
	a.member(f.project, rita, assessments.RoleAssessor)
	overview := fmt.Sprintf("/assessments/%d", f.id)

	// Rita, an assessor for now, edits an answer and submits.
	b := reviewSignedIn(t, a, rita)
	b.visit(overview + "/sections/purpose")
	b.fill("#f-purpose_description", "Edited and submitted by Rita.")
	b.press("Save")
	b.reviewFlash("Saved.")
	storedAnswers(t, a, f.id, map[string]string{"purpose_description": "Edited and submitted by Rita."})
	b.click(`.tabs a[href="` + overview + `"]`)
	b.press("Submit for review")
	b.reviewFlash("Submitted for review. The project's reviewers have been notified.")
	b.reviewSignOut()

	// The owner makes her a reviewer on the project page.
	b.signIn(f.users[owner].Email, testPassword)
	b.visit(fmt.Sprintf("/projects/%d", f.project.ID))
	role := fmt.Sprintf("#role-%d", rita.ID)
	b.choose(role, string(assessments.RoleReviewer))
	b.click(fmt.Sprintf(`form:has(%s) button`, role))
	b.reviewFlash("Role changed.")
	b.reviewSignOut()

	// As a reviewer she is told why she may not decide, and offered no button to.
	b.signIn(rita.Email, testPassword)
	b.visit(overview)
	if s := b.reviewStatus(); s != "In review" {
		t.Fatalf("status %q, want In review", s)
	}
	if !b.exists("decide-problem") {
		t.Fatalf("no separation-of-duties notice; the review panel says: %s", b.text("review-panel"))
	}
	if p := b.text("decide-problem"); !strings.Contains(p, "separation of duties") || !strings.Contains(p, "You submitted") {
		t.Errorf("decide-problem says %q", p)
	}
	if b.exists("decide-form") || b.exists("approve") || b.exists("request-changes") {
		t.Error("the submitter, now a reviewer, is offered a decision")
	}
	b.snapshot("submitter-reviewer")
	b.reviewSignOut()

	// Another reviewer may decide.
	b.signIn(f.users[reviewer].Email, testPassword)
	b.visit(overview)
	if b.exists("decide-problem") || !b.exists("approve") {
		t.Errorf("the other reviewer may not decide; the review panel says: %s", b.text("review-panel"))
	}
}
