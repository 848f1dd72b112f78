package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// reviewFixture is an assessment ready for review: every required question answered and no
// blocking risk, with an owner, an assessor, two reviewers and a viewer.
type reviewFixture struct {
	*matrixFixture
	id        int64
	base      string
	reviewer2 *assessments.User
}

// completeAnswers answers every required question with a harmless value.
func completeAnswers(t *testing.T, a *app, tok string, id int64) {
	t.Helper()
	path := fmt.Sprintf("/api/v1/assessments/%d", id)
	for range 6 { // answering can reveal more required questions
		var got struct {
			Revision int
			Progress struct{ Missing []string }
		}
		a.api("GET", path, tok, "").json(t, &got)
		if len(got.Progress.Missing) == 0 {
			return
		}
		var def struct {
			Sections []struct {
				Questions []struct {
					Key, Type string
					Options   []struct{ Value string }
					Min, Max  *float64
				}
			}
		}
		a.api("GET", "/api/v1/questionnaires/llm-finetuning", tok, "").json(t, &def)
		answers := map[string]any{}
		for _, s := range def.Sections {
			for _, q := range s.Questions {
				if !contains(got.Progress.Missing, q.Key) {
					continue
				}
				switch q.Type {
				case "yes_no":
					answers[q.Key] = "yes"
				case "choice":
					answers[q.Key] = q.Options[0].Value
				case "multi_choice":
					answers[q.Key] = []string{q.Options[0].Value}
				case "number":
					v := 1.0
					if q.Min != nil {
						v = *q.Min
					}
					answers[q.Key] = v
				case "date":
					answers[q.Key] = "2027-01-01"
				default:
					answers[q.Key] = "Documented in the project wiki."
				}
			}
		}
		body := map[string]any{"answers": answers}
		r := a.api("PATCH", path+"/answers", tok, jsonString(t, body), "If-Match", fmt.Sprint(got.Revision))
		if r.status != 200 {
			t.Fatalf("answering: %d %s", r.status, r.body)
		}
	}
	t.Fatal("required questions keep appearing")
}

func newReviewFixture(t *testing.T) *reviewFixture {
	f := newMatrixFixture(t)
	tok := f.app.token(f.users[assessor])
	id := startAssessment(t, f.app, tok, f.project)
	completeAnswers(t, f.app, tok, id)
	// Whatever risks the answers raise get a mitigation, so nothing blocks review.
	base := fmt.Sprintf("/api/v1/assessments/%d", id)
	var reg findingsBody
	f.app.api("GET", base+"/findings", tok, "").json(t, &reg)
	for _, fd := range reg.Findings {
		if fd.Live {
			etag := f.app.api("GET", base, tok, "").header.Get("ETag")
			f.app.api("POST", base+"/findings/"+fd.ID+"/mitigations", tok, `{"title":"Handled"}`, "If-Match", etag)
		}
	}
	r2 := f.app.user("reviewer2@example.org", false)
	f.app.member(f.project, r2, assessments.RoleReviewer)
	return &reviewFixture{matrixFixture: f, id: id, base: base, reviewer2: r2}
}

func (f *reviewFixture) etag(t *testing.T) string {
	return f.app.api("GET", f.base, f.app.token(f.users[owner]), "").header.Get("ETag")
}

func (f *reviewFixture) status(t *testing.T) string {
	var b struct{ Status string }
	f.app.api("GET", f.base, f.app.token(f.users[owner]), "").json(t, &b)
	return b.Status
}

func TestReviewWorkflow(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	tok := func(w who) string { return a.token(f.users[w]) }

	// Nobody approves a draft; reviewers and viewers do not submit.
	if r := a.api("POST", f.base+"/approve", tok(reviewer), "", "If-Match", f.etag(t)); r.status != http.StatusConflict {
		t.Errorf("approving a draft: %d", r.status)
	}
	for _, w := range []who{reviewer, viewer} {
		if r := a.api("POST", f.base+"/submit", tok(w), "", "If-Match", f.etag(t)); r.status != http.StatusForbidden {
			t.Errorf("%s submitted: %d", w, r.status)
		}
	}
	if r := a.api("POST", f.base+"/submit", tok(nonMember), "", "If-Match", f.etag(t)); r.status != http.StatusNotFound {
		t.Errorf("non-member submitted: %d", r.status)
	}
	// The assessor submits.
	if r := a.api("POST", f.base+"/submit", tok(assessor), `{"note":"Ready."}`, "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if f.status(t) != "in_review" {
		t.Fatalf("status after submit: %s", f.status(t))
	}
	// Both reviewers were notified; the bell shows it.
	page := a.signedIn(f.users[reviewer]).get("/")
	if !strings.Contains(page.body, `data-testid="unread-count">1<`) {
		t.Error("the reviewer has no notification")
	}
	// In review, answers are frozen.
	if r := a.api("PATCH", f.base+"/answers", tok(assessor), `{"answers":{"purpose_description":"late edit"}}`, "If-Match", f.etag(t)); r.status != http.StatusConflict {
		t.Errorf("editing in review: %d", r.status)
	}
	// Owners and assessors do not decide; changes need a comment.
	for _, w := range []who{owner, assessor, admin} {
		if r := a.api("POST", f.base+"/approve", tok(w), "", "If-Match", f.etag(t)); r.status != http.StatusForbidden {
			t.Errorf("%s approved: %d", w, r.status)
		}
	}
	if r := a.api("POST", f.base+"/request-changes", tok(reviewer), `{"comment":""}`, "If-Match", f.etag(t)); r.status != 422 {
		t.Errorf("request changes without comment: %d", r.status)
	}
	if r := a.api("POST", f.base+"/request-changes", tok(reviewer), `{"comment":"Explain the retention."}`, "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("request changes: %d %s", r.status, r.body)
	}
	if f.status(t) != "changes_requested" {
		t.Fatalf("status: %s", f.status(t))
	}
	// The reviewer fixes something themselves? Not their role: 403. The assessor edits: back to draft.
	if r := a.api("PATCH", f.base+"/answers", tok(assessor), `{"answers":{"purpose_description":"Retention is 12 months."}}`, "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("fix: %d %s", r.status, r.body)
	}
	if f.status(t) != "draft" {
		t.Fatalf("status after the fix: %s", f.status(t))
	}
	a.api("POST", f.base+"/submit", tok(assessor), "", "If-Match", f.etag(t))
	// A stale decision is refused.
	if r := a.api("POST", f.base+"/approve", tok(reviewer), "", "If-Match", "1"); r.status != http.StatusConflict {
		t.Errorf("stale approval: %d", r.status)
	}
	hashBefore := f.etag(t)
	if r := a.api("POST", f.base+"/approve", tok(reviewer), `{"comment":"Good work."}`, "If-Match", hashBefore); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	// Approved is frozen.
	if r := a.api("PATCH", f.base+"/answers", tok(assessor), `{"answers":{"purpose_description":"x"}}`, "If-Match", f.etag(t)); r.status != http.StatusConflict || !strings.Contains(r.body, "approved") {
		t.Errorf("editing an approved assessment: %d %s", r.status, r.body)
	}
	if r := a.api("POST", f.base+"/findings", tok(assessor), `{"title":"x","category":"governance","likelihood":1,"severity":1}`, "If-Match", f.etag(t)); r.status != http.StatusConflict {
		t.Errorf("adding a finding to an approved assessment: %d", r.status)
	}
	// Every decision is bound to the revision and its hash.
	events, _ := a.store.ReviewEvents(t.Context(), f.id)
	if len(events) != 4 {
		t.Fatalf("%d review events, want 4", len(events))
	}
	last := events[3]
	as, _ := a.store.Assessment(t.Context(), f.id)
	if last.Kind != assessments.ReviewApprove || last.Revision != as.Revision || last.StateHash != as.StateHash || last.UserEmail != "reviewer@example.org" {
		t.Errorf("approval event: %+v (assessment at %d %s)", last, as.Revision, as.StateHash)
	}
	// Audit trail of the decisions.
	entries, _, _ := a.store.AuditEntries(t.Context(), store.AuditQuery{Action: "assessment"})
	if len(entries) != 4 {
		t.Errorf("%d assessment audit entries, want 4", len(entries))
	}
	// Re-assessment opens cycle 2, pre-filled; cycle 1 stays readable.
	r := a.api("POST", f.base+"/reassess", tok(assessor), "", "If-Match", f.etag(t))
	if r.status != http.StatusCreated || !strings.Contains(r.body, `"cycle":2`) || !strings.Contains(r.body, "Retention is 12 months.") {
		t.Fatalf("reassess: %d %s", r.status, r.body)
	}
	if r := a.api("GET", f.base, tok(viewer), ""); r.status != 200 || !strings.Contains(r.body, `"status":"approved"`) {
		t.Errorf("cycle 1 after reassessment: %d", r.status)
	}
	if r := a.api("POST", f.base+"/reassess", tok(assessor), "", "If-Match", f.etag(t)); r.status != http.StatusConflict {
		t.Errorf("second reassessment of the same cycle: %d", r.status)
	}
}

func TestSeparationOfDuties(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	// A reviewer who also edits (as owner elsewhere? here: made assessor-reviewer by editing as reviewer via role change).
	a.member(f.project, f.reviewer2, assessments.RoleAssessor)
	tok2 := a.token(f.reviewer2)
	if r := a.api("PATCH", f.base+"/answers", tok2, `{"answers":{"purpose_description":"Edited by reviewer2."}}`, "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	if r := a.api("POST", f.base+"/submit", tok2, "", "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	a.member(f.project, f.reviewer2, assessments.RoleReviewer)
	r := a.api("POST", f.base+"/approve", tok2, "", "If-Match", f.etag(t))
	if r.status != http.StatusConflict || !strings.Contains(r.body, "separation of duties") {
		t.Fatalf("self-approval: %d %s", r.status, r.body)
	}
	// The admin relaxes the rule for a tiny team; the change is audited.
	root := a.signedIn(f.users[admin])
	if res := root.post("/admin/settings", url.Values{"self_approval": {"1"}}); res.status != http.StatusSeeOther {
		t.Fatalf("settings: %d", res.status)
	}
	entries, _, _ := a.store.AuditEntries(t.Context(), store.AuditQuery{Action: "settings.change"})
	if len(entries) != 1 {
		t.Errorf("settings change not audited: %d entries", len(entries))
	}
	if r := a.api("POST", f.base+"/approve", tok2, "", "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("approval allowed by the setting: %d %s", r.status, r.body)
	}
}

func TestSubmitBlockedByOpenRisks(t *testing.T) {
	f := newReviewFixture(t)
	a, tok := f.app, f.app.token(f.users[assessor])
	r := a.api("POST", f.base+"/findings", tok, `{"title":"Raw chats in a public bucket","category":"access_storage","likelihood":4,"severity":4}`, "If-Match", f.etag(t))
	if r.status != 201 {
		t.Fatalf("add: %d", r.status)
	}
	r = a.api("POST", f.base+"/submit", tok, "", "If-Match", f.etag(t))
	if r.status != http.StatusConflict || !strings.Contains(r.body, "Raw chats in a public bucket") {
		t.Fatalf("submit with a blocking risk: %d %s", r.status, r.body)
	}
	page := a.signedIn(f.users[assessor]).get(fmt.Sprintf("/assessments/%d", f.id))
	if !page.has("submit-problems") || !strings.Contains(page.body, "Raw chats in a public bucket") || page.has("submit-form") {
		t.Error("the overview does not say what blocks the submission")
	}
}

func TestHistoryDiffAndRestore(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	p := a.project(u, "Support bot")
	id := startAssessment(t, a, tok, p)
	path := fmt.Sprintf("/api/v1/assessments/%d", id)
	a.api("PATCH", path+"/answers", tok, `{"answers":{"purpose_description":"First line.\nSecond line.","personal_data_present":"yes","uses_dp":"no"}}`, "If-Match", "1")
	a.api("PATCH", path+"/answers", tok, `{"answers":{"purpose_description":"First line.\nA better second line.","uses_dp":"yes"}}`, "If-Match", "2")

	var revs struct {
		Revisions []struct {
			Number    int
			StateHash string `json:"state_hash"`
		}
	}
	a.api("GET", path+"/revisions", tok, "").json(t, &revs)
	if len(revs.Revisions) != 3 {
		t.Fatalf("revisions: %+v", revs)
	}
	var one struct {
		State    struct{ Answers map[string]any }
		Revision struct {
			StateHash string `json:"state_hash"`
		}
	}
	a.api("GET", path+"/revisions/2", tok, "").json(t, &one)
	if one.State.Answers["uses_dp"] != "no" || one.Revision.StateHash != revs.Revisions[1].StateHash {
		t.Fatalf("revision 2: %+v", one)
	}
	if r := a.api("GET", path+"/revisions/9", tok, ""); r.status != 404 {
		t.Errorf("missing revision: %d", r.status)
	}
	var diff struct {
		Answers []struct {
			Question string
			Old, New any
			Lines    []struct {
				Op   string
				Text string
			}
		}
		Findings []struct{ ID, Kind string }
	}
	a.api("GET", path+"/diff?from=2&to=3", tok, "").json(t, &diff)
	if len(diff.Answers) != 2 || diff.Answers[0].Question != "purpose_description" || len(diff.Answers[0].Lines) != 3 {
		t.Fatalf("diff answers: %+v", diff.Answers)
	}
	if len(diff.Findings) != 1 || diff.Findings[0].Kind != "resolved" {
		t.Errorf("diff findings: %+v", diff.Findings)
	}
	if r := a.api("GET", path+"/diff?from=0&to=3", tok, ""); r.status != 422 {
		t.Errorf("bad diff range: %d", r.status)
	}
	// Restore revision 2: a new revision 4 with its content; nothing rewritten.
	r := a.api("POST", path+"/restore", tok, `{"revision":2}`, "If-Match", "3")
	if r.status != 200 || !strings.Contains(r.body, `"revision":4`) || !strings.Contains(r.body, `"uses_dp":"no"`) {
		t.Fatalf("restore: %d %s", r.status, r.body)
	}
	var after struct {
		Revisions []struct {
			StateHash string `json:"state_hash"`
		}
	}
	a.api("GET", path+"/revisions", tok, "").json(t, &after)
	if after.Revisions[3].StateHash != revs.Revisions[1].StateHash {
		t.Error("the restored state does not hash like the original")
	}
	if after.Revisions[1].StateHash != revs.Revisions[1].StateHash {
		t.Error("an old revision changed")
	}
	// The history page compares and lists.
	c := a.signedIn(u)
	page := c.get(fmt.Sprintf("/assessments/%d/history?from=1&to=3", id))
	if page.status != 200 || !page.has("revision-list") || !page.has("answer-diff") || strings.Count(page.body, `data-testid="revision-row"`) != 4 {
		t.Fatalf("history page: %d", page.status)
	}
	// Tampering with a stored revision is caught when the history is read.
	tamper(t, a, "DROP TRIGGER revisions_are_immutable")
	tamper(t, a, `UPDATE revisions SET changes = replace(changes, '"no"', '"yes"') WHERE assessment_id = ? AND number = 2`, id)
	// The list checks the newest state it shows; revision 3 set uses_dp again, so the altered
	// revision 2 shows where its own state is read.
	if r := a.api("GET", path+"/revisions/2", tok, ""); r.status != 500 {
		t.Errorf("a tampered revision was served: %d", r.status)
	}
	if r := a.api("GET", path+"/diff?from=1&to=2", tok, ""); r.status != 500 {
		t.Errorf("a tampered comparison was served: %d", r.status)
	}
	tamper(t, a, `UPDATE revisions SET changes = json_set(changes, '$.answers.extra', 'slipped in') WHERE assessment_id = ?
		AND number = (SELECT max(number) FROM revisions WHERE assessment_id = ?)`, id, id)
	if r := a.api("GET", path+"/revisions", tok, ""); r.status != 500 {
		t.Errorf("a tampered history was listed: %d", r.status)
	}
}

func TestCommentsAndNotifications(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	rc := a.signedIn(f.users[reviewer])
	section := fmt.Sprintf("/assessments/%d/sections/purpose", f.id)
	res := rc.post(fmt.Sprintf("/assessments/%d/comments", f.id), url.Values{"target_kind": {"question"}, "target_key": {"purpose_description"}, "body": {"Say who reads the drafts."}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("comment: %d", res.status)
	}
	if r := a.signedIn(f.users[viewer]).post(fmt.Sprintf("/assessments/%d/comments", f.id), url.Values{"target_kind": {"question"}, "target_key": {"purpose_description"}, "body": {"x"}}); r.status != http.StatusForbidden {
		t.Errorf("viewer commented: %d", r.status)
	}
	ac := a.signedIn(f.users[assessor])
	page := ac.get(section)
	if !strings.Contains(page.body, "Say who reads the drafts.") || !page.has("resolve-comment") {
		t.Fatal("the assessor does not see the comment")
	}
	overview := ac.get(fmt.Sprintf("/assessments/%d", f.id))
	if !overview.has("open-comments") {
		t.Error("the overview does not list open comments")
	}
	if !strings.Contains(overview.body, `data-testid="unread-count">1<`) {
		t.Error("the assessor was not notified of the comment")
	}
	list, _ := a.store.Comments(t.Context(), f.id, false)
	if r := ac.post(fmt.Sprintf("/assessments/%d/comments/%d/resolve", f.id, list[0].ID), nil); r.status != http.StatusSeeOther {
		t.Fatalf("resolve: %d", r.status)
	}
	if page := ac.get(section); strings.Contains(page.body, "Say who reads the drafts.") {
		t.Error("a resolved comment is still shown")
	}
	// Notifications: reading one follows its link and clears it.
	notes, _ := a.store.Notifications(t.Context(), f.users[assessor].ID, 10)
	res = ac.post(fmt.Sprintf("/notifications/%d", notes[0].ID), nil)
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), fmt.Sprintf("/assessments/%d", f.id)) {
		t.Fatalf("open notification: %d %s", res.status, res.header.Get("Location"))
	}
	if n, _ := a.store.UnreadNotifications(t.Context(), f.users[assessor].ID); n != 0 {
		t.Errorf("%d unread after opening", n)
	}
	other := a.signedIn(f.users[viewer])
	if r := other.post(fmt.Sprintf("/notifications/%d", notes[0].ID), nil); r.status != http.StatusNotFound {
		t.Errorf("another user's notification: %d", r.status)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLongHistoryIsPaged(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	p := a.project(u, "Support bot")
	id := startAssessment(t, a, tok, p)
	path := fmt.Sprintf("/api/v1/assessments/%d", id)
	const n = 45 // more than a page of the history (30)
	for k := 1; k < n; k++ {
		r := a.api("PATCH", path+"/answers", tok, fmt.Sprintf(`{"answers":{"purpose_description":"Version %d."}}`, k), "If-Match", strconv.Itoa(k))
		if r.status != 200 {
			t.Fatalf("save %d: %d %s", k, r.status, r.body)
		}
	}
	var page struct {
		Revisions  []struct{ Number int }
		NextBefore int `json:"next_before"`
	}
	a.api("GET", path+"/revisions?limit=20", tok, "").json(t, &page)
	if len(page.Revisions) != 20 || page.Revisions[0].Number != 26 || page.Revisions[19].Number != n || page.NextBefore != 26 {
		t.Fatalf("first page: %+v", page)
	}
	page.NextBefore = 0
	a.api("GET", path+"/revisions?limit=20&before=6", tok, "").json(t, &page)
	if len(page.Revisions) != 5 || page.Revisions[0].Number != 1 || page.NextBefore != 0 {
		t.Fatalf("last page: %+v", page)
	}
	// The page groups one person's run of saves into one entry (paging by entries is tested in
	// history_test.go): all 45 revisions are on the first page, 44 of them in one entry.
	c := a.signedIn(u)
	h := c.get(fmt.Sprintf("/assessments/%d/history", id))
	if h.status != 200 || strings.Count(h.body, `data-testid="revision-row"`) != n || !strings.Contains(h.body, `data-count="44"`) || h.has("older-revisions") {
		t.Fatalf("history page: %d, %d rows", h.status, strings.Count(h.body, `data-testid="revision-row"`))
	}
	h = c.get(fmt.Sprintf("/assessments/%d/history?before=16&from=3&to=40", id))
	if h.status != 200 || strings.Count(h.body, `data-testid="revision-row"`) != 15 || h.has("older-revisions") || !strings.Contains(h.body, "Version 39.") {
		t.Fatalf("older page: %d, %d rows", h.status, strings.Count(h.body, `data-testid="revision-row"`))
	}
}
