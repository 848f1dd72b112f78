package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

func ptr[T any](v T) *T { return &v }

type lifecycle struct {
	s              *store.Store
	ana, rita, bob *assessments.User
	project        *assessments.Project
	a              *assessments.Assessment
	approvedHash   string
}

// approvedLifecycle takes one assessment through a fill, a reviewer's acceptance, submission and
// approval: Ana (owner) writes, Rita (reviewer) accepts a risk and approves.
func approvedLifecycle(t *testing.T) *lifecycle {
	t.Helper()
	ctx := context.Background()
	s := storetest.New(t)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	l := &lifecycle{s: s}
	var err error
	if l.ana, err = s.CreateUser(ctx, store.NewUser{Email: "ana@example.org", Name: "Ana Assessor"}); err != nil {
		t.Fatal(err)
	}
	l.rita, _ = s.CreateUser(ctx, store.NewUser{Email: "rita@example.org", Name: "Rita Reviewer"})
	l.bob, _ = s.CreateUser(ctx, store.NewUser{Email: "bob@example.org"})
	l.project, err = s.CreateProject(ctx, l.ana.ID, assessments.ProjectFields{Name: "Support bot"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMember(ctx, l.project.ID, l.rita.ID, assessments.RoleReviewer); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureQuestionnaire(ctx, "q", 1, "Q", []byte("key: q")); err != nil {
		t.Fatal(err)
	}
	state := assessments.State{Questionnaire: "q", QuestionnaireVersion: 1, Seq: 2,
		Findings: map[string]*assessments.Finding{
			"f1": {ID: "f1", Title: "Vendor keeps prompts", Category: "c", Likelihood: 3, Severity: 3, Status: assessments.FindingOpen, Mitigations: []string{"m2"},
				Residual: assessments.Residual{Likelihood: 1, Severity: 3}},
		},
		Mitigations: map[string]*assessments.Mitigation{
			"m2": {ID: "m2", Title: "Zero-retention contract", Owner: l.ana.ID, Due: "2027-01-15", Status: assessments.MitigationPlanned},
		}}
	if l.a, err = s.CreateAssessment(ctx, store.NewAssessment{ProjectID: l.project.ID, State: state, Author: l.ana.ID, Summary: "start"}); err != nil {
		t.Fatal(err)
	}
	for i, v := range []string{"a", "b", "c"} {
		now = now.Add(time.Duration(i+1) * time.Minute)
		if l.a, err = s.ApplyChange(ctx, l.a.ID, l.a.Revision, l.ana.ID, assessments.Change{Answers: map[string]any{"x": v}}, "Answered 1 question"); err != nil {
			t.Fatal(err)
		}
	}
	accepted, err := assessments.Accept(l.a.State, "f1", assessments.Acceptance{By: l.rita.ID, ByEmail: l.rita.Email,
		Justification: "The contract review is under way with legal.", Expires: "2027-01-10"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if l.a, err = s.ApplyChange(ctx, l.a.ID, l.a.Revision, l.rita.ID, assessments.Diff(l.a.State, accepted), "Accepted a risk"); err != nil {
		t.Fatal(err)
	}
	if l.a, err = s.Decide(ctx, store.Decision{AssessmentID: l.a.ID, Base: l.a.Revision, UserID: l.ana.ID, UserEmail: l.ana.Email,
		Kind: assessments.ReviewSubmit, Status: assessments.InReview, Summary: "Submitted"}); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *lifecycle) approve(t *testing.T) {
	t.Helper()
	var err error
	l.a, err = l.s.Decide(context.Background(), store.Decision{AssessmentID: l.a.ID, Base: l.a.Revision, UserID: l.rita.ID, UserEmail: l.rita.Email,
		Kind: assessments.ReviewApprove, Status: assessments.Approved, Summary: "Approved", NextReview: "2027-02-28"})
	if err != nil {
		t.Fatal(err)
	}
	l.approvedHash = l.a.StateHash
}

func TestReviewerWhoAcceptedMayStillDecide(t *testing.T) {
	l := approvedLifecycle(t)
	au, err := l.s.ContentAuthorship(context.Background(), l.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if au.LastEditor != l.ana.ID || au.Wrote(l.rita.ID) {
		t.Fatalf("authorship %+v: the reviewer's acceptance made her an editor", au)
	}
	if p := assessments.SeparationProblem(l.rita.ID, l.ana.ID, au); p != "" {
		t.Errorf("Rita may not decide: %s", p)
	}
	if p := assessments.SeparationProblem(l.ana.ID, l.ana.ID, au); p == "" {
		t.Error("Ana may decide on her own content")
	}
}

func TestTrackingAfterApproval(t *testing.T) {
	ctx := context.Background()
	l := approvedLifecycle(t)
	s := l.s
	members := []int64{l.ana.ID, l.rita.ID}
	track := func(c assessments.TrackingChange) (*assessments.TrackingRecord, error) {
		r, _, err := s.TrackMitigation(ctx, store.Tracking{AssessmentID: l.a.ID, Change: c, ByID: l.ana.ID, ByName: l.ana.DisplayName(), ByEmail: l.ana.Email, Members: members})
		return r, err
	}
	if _, err := track(assessments.TrackingChange{Mitigation: "m2", Status: ptr(assessments.MitigationInProgress)}); !errors.Is(err, store.ErrNotApproved) {
		t.Fatalf("tracking before approval: %v", err)
	}
	l.approve(t)
	revision := l.a.Revision
	if risks, n, err := s.ProjectedRisks(ctx, store.Scope{All: true}, 10); err != nil || n != 1 || risks[0].Level != int(assessments.LevelMaximum) {
		t.Fatalf("residual risk on a planned mitigation is not projected: %v %d %+v", err, n, risks)
	}
	if _, err := track(assessments.TrackingChange{Mitigation: "m9", Status: ptr(assessments.MitigationInProgress)}); !errors.Is(err, assessments.ErrNoMitigation) {
		t.Errorf("tracking a missing mitigation: %v", err)
	}
	var fe *assessments.FieldError
	if _, err := track(assessments.TrackingChange{Mitigation: "m2", Status: ptr(assessments.MitigationVerified)}); !errors.As(err, &fe) {
		t.Errorf("verified without evidence: %v", err)
	}
	if _, err := track(assessments.TrackingChange{Mitigation: "m2", Status: ptr(assessments.MitigationInProgress)}); err != nil {
		t.Fatal(err)
	}
	r, err := track(assessments.TrackingChange{Mitigation: "m2", Due: ptr("2026-12-01"), Evidence: ptr("Signed DPA, ref. 2026-114")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Seq != 2 || r.Revision != revision || r.ApprovedHash != l.approvedHash || r.ByName != "Ana Assessor" {
		t.Errorf("record %+v", r)
	}

	a, err := s.Assessment(ctx, l.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.StateHash != l.approvedHash || a.Revision != revision || a.State.Mitigations["m2"].Status != assessments.MitigationPlanned {
		t.Fatal("tracking changed the approved state, its revision or its hash")
	}
	current, view, err := s.TrackedState(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if m := current.Mitigations["m2"]; m.Status != assessments.MitigationInProgress || m.Due != "2026-12-01" || m.Evidence == "" {
		t.Errorf("current tracking: %+v", m)
	}
	if tr := view.Mitigations["m2"]; tr.AsApproved.Due != "2027-01-15" || len(tr.Changes) != 2 {
		t.Errorf("as approved: %+v", tr.AsApproved)
	}

	if _, err := track(assessments.TrackingChange{Mitigation: "m2", Status: ptr(assessments.MitigationImplemented)}); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := s.ProjectedRisks(ctx, store.Scope{All: true}, 10); n != 0 {
		t.Error("an implemented mitigation after approval leaves the residual risk projected")
	}
	if _, err := track(assessments.TrackingChange{Mitigation: "m2", Status: ptr(assessments.MitigationInProgress)}); err != nil {
		t.Fatal(err)
	}
	// Reminders, dashboards and the register follow the tracked due date.
	overdue, n, err := s.OverdueMitigations(ctx, store.Scope{UserID: l.ana.ID}, "2026-12-10", 10)
	if err != nil || n != 1 || overdue[0].Due != "2026-12-01" || overdue[0].Status != "in_progress" {
		t.Fatalf("overdue after approval: %v %d %+v", err, n, overdue)
	}
	due, err := s.DueItems(ctx)
	if err != nil || len(due) != 2 || due[0].Kind != "mitigation" || due[0].Due != "2026-12-01" {
		t.Fatalf("due items: %v %+v", err, due)
	}
	rows, total, err := s.MitigationRegister(ctx, store.Scope{All: true}, store.MitigationFilter{OwnerID: l.ana.ID, Status: "open"}, 10, 0)
	if err != nil || total != 1 {
		t.Fatalf("register: %v %d", err, total)
	}
	if r := rows[0]; r.ApprovedStatus != "planned" || r.Status != "in_progress" || r.TrackedAt == nil || !r.Approved || r.OwnerName != "Ana Assessor" {
		t.Errorf("register row %+v", r)
	}
	if _, total, _ := s.MitigationRegister(ctx, store.Scope{All: true}, store.MitigationFilter{Status: "verified"}, 10, 0); total != 0 {
		t.Error("the status filter lets other statuses through")
	}
	if _, total, _ := s.MitigationRegister(ctx, store.Scope{UserID: l.bob.ID}, store.MitigationFilter{}, 10, 0); total != 0 {
		t.Error("a non-member sees the project's mitigations")
	}

	// Audited and chained; the chain catches an altered record.
	entries, _, err := s.AuditEntries(ctx, store.AuditQuery{Action: "mitigation.track"})
	if err != nil || len(entries) != 4 {
		t.Fatalf("audit entries: %v %d", err, len(entries))
	}
	if rep, err := s.VerifyAudit(ctx); err != nil || rep.Bad != nil {
		t.Fatalf("audit chain: %v %+v", err, rep)
	}
	if bad, err := s.VerifyMitigationTracking(ctx, l.a.ID); err != nil || bad != 0 {
		t.Fatalf("tracking chain: %v, broken at %d", err, bad)
	}
	if err := s.Exec(ctx, "UPDATE mitigation_tracking SET by_name = 'Eve' WHERE seq = 1"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("a tracking record was updated: %v", err)
	}
	if err := s.Exec(ctx, "DROP TRIGGER mitigation_tracking_no_update; UPDATE mitigation_tracking SET by_name = 'Eve' WHERE seq = 1"); err != nil {
		t.Fatal(err)
	}
	if bad, _ := s.VerifyMitigationTracking(ctx, l.a.ID); bad != 1 {
		t.Errorf("tampering not caught: broken at %d", bad)
	}
}

func TestNextCycleCarriesTrackingAndComments(t *testing.T) {
	ctx := context.Background()
	l := approvedLifecycle(t)
	s := l.s
	for _, c := range []assessments.Comment{{TargetKind: "question", TargetKey: "x", Body: "Which vendor?"},
		{TargetKind: "finding", TargetKey: "f1", Body: "Attach the contract"}, {TargetKind: "question", TargetKey: "gone", Body: "Old question"}} {
		c.AssessmentID, c.AuthorID, c.AuthorEmail, c.Revision = l.a.ID, l.rita.ID, l.rita.Email, l.a.Revision
		if _, err := s.AddComment(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	l.approve(t)
	if _, _, err := s.TrackMitigation(ctx, store.Tracking{AssessmentID: l.a.ID, Change: assessments.TrackingChange{Mitigation: "m2",
		Status: ptr(assessments.MitigationImplemented)}, ByID: l.ana.ID, ByName: "Ana", Members: []int64{l.ana.ID}}); err != nil {
		t.Fatal(err)
	}
	current, _, err := s.TrackedState(ctx, l.a)
	if err != nil {
		t.Fatal(err)
	}
	// The domain's Carry needs a questionnaire definition; here the tracked state is carried as is.
	current.Status = assessments.Draft
	next, err := s.CreateAssessment(ctx, store.NewAssessment{ProjectID: l.project.ID, State: current, Author: l.ana.ID, Summary: "Carried from cycle 1"})
	if err != nil {
		t.Fatal(err)
	}
	if next.State.Mitigations["m2"].Status != assessments.MitigationImplemented {
		t.Error("the new cycle did not take the tracked status")
	}
	last, err := s.LastApproved(ctx)
	if err != nil || len(last) != 1 || last[0].ID != l.a.ID || last[0].NextReviewAt != "2027-02-28" {
		t.Fatalf("the approved cycle's review date left with the new cycle: %v %+v", err, last)
	}
	carried, listed, err := s.CarryComments(ctx, l.a.ID, next.ID, func(c *assessments.Comment) bool {
		if c.TargetKind == "finding" {
			_, ok := next.State.Findings[c.TargetKey]
			return ok
		}
		return c.TargetKey == "x"
	})
	if err != nil || len(carried) != 2 || len(listed) != 1 || listed[0].TargetKey != "gone" {
		t.Fatalf("carry comments: %v, %d carried, %+v listed", err, len(carried), listed)
	}
	open, err := s.Comments(ctx, next.ID, false)
	if err != nil || len(open) != 2 || open[0].AuthorEmail != l.rita.Email || open[0].Revision != 1 {
		t.Fatalf("new cycle's comments: %v %+v", err, open)
	}
	// Only the latest cycle counts for the dashboards: the new one's mitigation, not the old one's.
	rows, total, err := s.MitigationRegister(ctx, store.Scope{All: true}, store.MitigationFilter{}, 10, 0)
	if err != nil || total != 1 || rows[0].AssessmentID != next.ID || rows[0].Approved {
		t.Fatalf("register across cycles: %v %d %+v", err, total, rows)
	}
}

func TestWorklist(t *testing.T) {
	ctx := context.Background()
	l := approvedLifecycle(t)
	s := l.s
	w, err := s.Worklist(ctx, l.rita.ID, "2027-03-01", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.AwaitingReview) != 1 || w.AwaitingReview[0].AssessmentID != l.a.ID || w.AwaitingReview[0].Due != "2026-11-30" {
		t.Fatalf("awaiting Rita's review: %+v", w.AwaitingReview)
	}
	if w, _ := s.Worklist(ctx, l.ana.ID, "2027-03-01", 10); len(w.AwaitingReview) != 0 || len(w.Mitigations) != 1 || w.Mitigations[0].Due != "2027-01-15" {
		t.Fatalf("Ana's work in review: %+v", w)
	}
	if w, _ := s.Worklist(ctx, l.bob.ID, "2027-03-01", 10); len(w.AwaitingReview)+len(w.Mitigations)+len(w.AcceptancesDue) != 0 {
		t.Fatalf("a non-member has work: %+v", w)
	}
	l.approve(t)
	w, err = s.Worklist(ctx, l.ana.ID, "2027-03-01", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.ReviewsDue) != 1 || w.ReviewsDue[0].Due != "2027-02-28" {
		t.Errorf("reviews due: %+v", w.ReviewsDue)
	}
	if len(w.AcceptancesDue) != 1 || w.AcceptancesDue[0].ItemID != "f1" || w.AcceptancesDue[0].Due != "2027-01-10" {
		t.Errorf("acceptances due: %+v", w.AcceptancesDue)
	}
	if w, _ := s.Worklist(ctx, l.ana.ID, "2027-01-01", 10); len(w.ReviewsDue)+len(w.AcceptancesDue) != 0 {
		t.Errorf("the horizon does not bound what is coming due: %+v", w)
	}
	if _, err := s.Worklist(ctx, l.ana.ID, "soon", 10); err == nil {
		t.Error("a bad horizon was accepted")
	}
}

func TestRevisionHeadsPage(t *testing.T) {
	ctx := context.Background()
	l := approvedLifecycle(t) // revisions: 1 start, 2-4 answers by Ana, 5 Rita's acceptance, 6 submit
	heads, more, err := l.s.RevisionHeads(ctx, l.a.ID, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(heads) != 4 || !more || heads[0].Number != 6 || !heads[0].Milestone || heads[3].Number != 3 || heads[3].AuthorName != "Ana Assessor" {
		t.Fatalf("first page: more %v, %+v", more, heads)
	}
	entries, before := assessments.GroupPage(heads, assessments.HistoryWindow, more)
	if before != 5 || len(entries) != 2 {
		t.Fatalf("grouped first page: %d entries, next before %d", len(entries), before)
	}
	heads, more, err = l.s.RevisionHeads(ctx, l.a.ID, before, 4)
	if err != nil || more || len(heads) != 4 || heads[0].Number != 4 {
		t.Fatalf("second page: %v more %v %+v", err, more, heads)
	}
	entries, _ = assessments.GroupPage(heads, assessments.HistoryWindow, more)
	if len(entries) != 2 || entries[0].From != 2 || entries[0].To != 4 || !entries[1].Revisions[0].Milestone {
		t.Fatalf("second page grouped: %+v", entries)
	}
	if heads, _, _ := l.s.RevisionHeads(ctx, l.a.ID, 0, 100000); len(heads) != 6 {
		t.Errorf("an unbounded limit: %d heads", len(heads))
	}
}
