package store_test

import (
	"context"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

func TestDueSoonList(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	owner, _ := s.CreateUser(ctx, store.NewUser{Email: "owner@example.org"})
	other, _ := s.CreateUser(ctx, store.NewUser{Email: "other@example.org"})
	if _, err := s.EnsureQuestionnaire(ctx, "q", 1, "Q", []byte("key: q")); err != nil {
		t.Fatal(err)
	}
	start := func(name string, st assessments.State) *assessments.Assessment {
		p, _ := s.CreateProject(ctx, owner.ID, assessments.ProjectFields{Name: name}, nil)
		st.Questionnaire, st.QuestionnaireVersion = "q", 1
		a, err := s.CreateAssessment(ctx, store.NewAssessment{ProjectID: p.ID, State: st, Author: owner.ID, Summary: "start"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// An approved cycle due for review in 10 days.
	reviewed := start("Reviewed", assessments.State{})
	if _, err := s.ApplyChange(ctx, reviewed.ID, 1, owner.ID, assessments.Change{Status: assessments.Approved}, "approve"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetNextReview(ctx, reviewed.ID, "2026-06-11"); err != nil {
		t.Fatal(err)
	}
	// A draft with a mitigation due in 5 days, one overdue (listed elsewhere), one in 60 days,
	// and an acceptance that expired.
	start("Register", assessments.State{
		Findings: map[string]*assessments.Finding{
			"f1": {ID: "f1", Title: "Risk", Category: "c", Likelihood: 3, Severity: 3, Status: assessments.FindingOpen, Mitigations: []string{"m1", "m2", "m3"}},
			"f2": {ID: "f2", Title: "Accepted risk", Category: "c", Likelihood: 2, Severity: 2, Status: assessments.FindingAccepted,
				Acceptance: &assessments.Acceptance{By: owner.ID, Justification: "ok", Expires: "2026-05-30"}},
		},
		Mitigations: map[string]*assessments.Mitigation{
			"m1": {ID: "m1", Title: "Soon", Due: "2026-06-06", Status: assessments.MitigationPlanned},
			"m2": {ID: "m2", Title: "Overdue", Due: "2026-05-01", Status: assessments.MitigationPlanned},
			"m3": {ID: "m3", Title: "Later", Due: "2026-08-01", Status: assessments.MitigationPlanned},
		},
	})
	lines, total, err := s.DueSoonList(ctx, store.Scope{All: true}, "2026-06-01", "2026-07-01", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, l.Kind+" "+l.Due)
	}
	want := []string{"acceptance 2026-05-30", "mitigation 2026-06-06", "reassessment 2026-06-11"}
	if total != 3 || len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("due soon: %v (total %d), want %v", got, total, want)
	}
	if lines[2].ProjectName != "Reviewed" || lines[1].ItemID != "m1" {
		t.Errorf("lines: %+v", lines)
	}
	lines, total, _ = s.DueSoonList(ctx, store.Scope{All: true}, "2026-06-01", "2026-07-01", 1)
	if len(lines) != 1 || total != 3 {
		t.Errorf("limit 1: %d lines, total %d", len(lines), total)
	}
	if lines, total, _ := s.DueSoonList(ctx, store.Scope{UserID: other.ID}, "2026-06-01", "2026-07-01", 10); len(lines) != 0 || total != 0 {
		t.Errorf("a non-member sees %d lines", total)
	}
	// A required re-assessment comes first, whatever its date.
	if _, err := s.RequireReassessment(ctx, reviewed.ProjectID, "the base model changed"); err != nil {
		t.Fatal(err)
	}
	lines, _, _ = s.DueSoonList(ctx, store.Scope{All: true}, "2026-06-01", "2026-07-01", 10)
	if lines[0].Kind != "reassessment" || lines[0].Reason != "the base model changed" {
		t.Errorf("first line: %+v", lines[0])
	}
}
