package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// The administrator's totals come from the kept counts and their "due soon" list from indexes of
// current cycles; a member of every project gets the same by counting the tables. After every
// kind of write that moves them (answers, acceptance, approval, review date, re-assessment
// required, archive and restore, a new cycle, a new project) both agree, and the kept counts
// equal a recount (storetest checks that again when the test ends).
func TestKeptCountsFollowEveryWrite(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	today, horizon := "2026-12-01", "2026-12-31"
	ana, err := s.CreateUser(ctx, store.NewUser{Email: "ana@example.org", Name: "Ana"})
	if err != nil {
		t.Fatal(err)
	}
	rita, _ := s.CreateUser(ctx, store.NewUser{Email: "rita@example.org", Name: "Rita"})
	if _, err := s.EnsureQuestionnaire(ctx, "q", 1, "Q", []byte("key: q")); err != nil {
		t.Fatal(err)
	}
	admin, member := store.Scope{UserID: rita.ID, All: true}, store.Scope{UserID: ana.ID}
	var projects []*assessments.Project
	compare := func(step string) {
		t.Helper()
		s.ForgetCached()
		if problems, err := s.CheckCounters(ctx); err != nil || len(problems) > 0 {
			t.Fatalf("%s: kept counts: %v %v", step, problems, err)
		}
		type lists struct {
			Risks    []assessments.OpenRisk
			RiskN    int
			Overdue  []assessments.DueMitigation
			OverN    int
			Due      []store.DueSoon
			DueN     int
			Projects int
		}
		read := func(sc store.Scope) (l lists) {
			var err [4]error
			l.Risks, l.RiskN, err[0] = s.OpenHighRisks(ctx, sc, 10)
			l.Overdue, l.OverN, err[1] = s.OverdueMitigations(ctx, sc, today, 10)
			l.Due, l.DueN, err[2] = s.DueSoonList(ctx, sc, today, horizon, 20)
			_, l.Projects, err[3] = s.Projects(ctx, store.ProjectQuery{UserID: sc.UserID, All: sc.All, Limit: 20})
			for _, e := range err {
				if e != nil {
					t.Fatalf("%s: %v", step, e)
				}
			}
			return l
		}
		a, m := read(admin), read(member)
		if !reflect.DeepEqual(a, m) {
			t.Fatalf("%s: the kept counts disagree with counting:\nadmin  %+v\nmember %+v", step, a, m)
		}
		// One project at a time, the totals are counted by the scoped queries.
		var risks, overdue, due int
		for _, p := range projects {
			sc := store.Scope{UserID: rita.ID, All: true, ProjectID: p.ID}
			_, n1, _ := s.OpenHighRisks(ctx, sc, 10)
			_, n2, _ := s.OverdueMitigations(ctx, sc, today, 10)
			_, n3, _ := s.DueSoonList(ctx, sc, today, horizon, 20)
			risks, overdue, due = risks+n1, overdue+n2, due+n3
		}
		if risks != a.RiskN || overdue != a.OverN || due != a.DueN {
			t.Fatalf("%s: per project %d risks, %d overdue, %d due; for the instance %d, %d, %d", step, risks, overdue, due, a.RiskN, a.OverN, a.DueN)
		}
	}
	state := func(n int) assessments.State {
		return assessments.State{Questionnaire: "q", QuestionnaireVersion: 1, Seq: 3,
			Findings: map[string]*assessments.Finding{
				"f1": {ID: "f1", Title: fmt.Sprintf("Prompts kept %d", n), Category: "c", Likelihood: 3, Severity: 3, Status: assessments.FindingOpen,
					Mitigations: []string{"m1", "m2"}, Residual: assessments.Residual{Likelihood: 3, Severity: 3}},
				"f2": {ID: "f2", Title: "Logs", Category: "c", Likelihood: 2, Severity: 3, Status: assessments.FindingOpen, Mitigations: []string{"m2"},
					Residual: assessments.Residual{Likelihood: 2, Severity: 2}},
			},
			Mitigations: map[string]*assessments.Mitigation{
				"m1": {ID: "m1", Title: "Contract", Owner: ana.ID, Due: "2026-11-15", Status: assessments.MitigationPlanned},
				"m2": {ID: "m2", Title: "Retention", Owner: ana.ID, Due: fmt.Sprintf("2026-12-%02d", 10+n), Status: assessments.MitigationInProgress},
			}}
	}
	var cycles []*assessments.Assessment
	for i := range 3 {
		p, err := s.CreateProject(ctx, ana.ID, assessments.ProjectFields{Name: fmt.Sprintf("Project %d", i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetMember(ctx, p.ID, rita.ID, assessments.RoleReviewer); err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAssessment(ctx, store.NewAssessment{ProjectID: p.ID, State: state(i), Author: ana.ID, Summary: "start"})
		if err != nil {
			t.Fatal(err)
		}
		projects, cycles = append(projects, p), append(cycles, a)
	}
	compare("three projects")

	a := cycles[0]
	if a, err = s.ApplyChange(ctx, a.ID, a.Revision, ana.ID, assessments.Change{Answers: map[string]any{"x": "y"}}, "Answered"); err != nil {
		t.Fatal(err)
	}
	compare("an answer")
	accepted, err := assessments.Accept(a.State, "f1", assessments.Acceptance{By: rita.ID, ByEmail: rita.Email,
		Justification: "The contract review is under way with legal.", Expires: "2026-12-20"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if a, err = s.ApplyChange(ctx, a.ID, a.Revision, rita.ID, assessments.Diff(a.State, accepted), "Accepted a risk"); err != nil {
		t.Fatal(err)
	}
	compare("a risk accepted")
	if a, err = s.Decide(ctx, store.Decision{AssessmentID: a.ID, Base: a.Revision, UserID: ana.ID, UserEmail: ana.Email,
		Kind: assessments.ReviewSubmit, Status: assessments.InReview, Summary: "Submitted"}); err != nil {
		t.Fatal(err)
	}
	if a, err = s.Decide(ctx, store.Decision{AssessmentID: a.ID, Base: a.Revision, UserID: rita.ID, UserEmail: rita.Email,
		Kind: assessments.ReviewApprove, Status: assessments.Approved, Summary: "Approved", NextReview: "2026-12-24"}); err != nil {
		t.Fatal(err)
	}
	compare("approved")
	if err := s.SetNextReview(ctx, a.ID, "2027-06-01"); err != nil {
		t.Fatal(err)
	}
	compare("review date moved")
	if _, err := s.RequireReassessment(ctx, projects[0].ID, "The base model changed."); err != nil {
		t.Fatal(err)
	}
	compare("re-assessment required")
	if err := s.SetProjectArchived(ctx, projects[1].ID, true); err != nil {
		t.Fatal(err)
	}
	compare("archived")
	if _, l, _ := s.Projects(ctx, store.ProjectQuery{UserID: rita.ID, All: true, Archived: true}); l != 1 {
		t.Errorf("archived projects: %d", l)
	}
	if err := s.SetProjectArchived(ctx, projects[1].ID, false); err != nil {
		t.Fatal(err)
	}
	compare("restored")
	if _, err := s.CreateAssessment(ctx, store.NewAssessment{ProjectID: projects[0].ID, State: state(7), Author: ana.ID, Summary: "cycle 2"}); err != nil {
		t.Fatal(err)
	}
	compare("a new cycle")
	if risks, n, _ := s.OpenHighRisks(ctx, admin, 10); n != 3 || len(risks) != 3 {
		t.Errorf("open high risks after all that: %d %+v", n, risks)
	}
}
