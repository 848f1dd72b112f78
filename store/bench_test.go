package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// Appending a revision (one answer changed) to an assessment holding 100 findings: the
// transaction, the revision row, the current state and the findings projection.
func BenchmarkApplyChange(b *testing.B) {
	s := storetest.New(b)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, store.NewUser{Email: "a@example.org"})
	p, _ := s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "p"}, nil)
	if _, err := s.EnsureQuestionnaire(ctx, "q", 1, "Q", []byte("key: q")); err != nil {
		b.Fatal(err)
	}
	state := assessments.State{Questionnaire: "q", QuestionnaireVersion: 1, Findings: map[string]*assessments.Finding{}}
	for i := range 100 {
		id := fmt.Sprintf("f%d", i)
		state.Findings[id] = &assessments.Finding{ID: id, Title: "Risk", Category: "c", Likelihood: 3, Severity: 3, Status: assessments.FindingOpen}
	}
	a, err := s.CreateAssessment(ctx, store.NewAssessment{ProjectID: p.ID, State: state, Author: u.ID, Summary: "start"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		if a, err = s.ApplyChange(ctx, a.ID, a.Revision, u.ID, assessments.Change{Answers: map[string]any{"purpose": fmt.Sprint("draft ", n)}}, "edit"); err != nil {
			b.Fatal(err)
		}
	}
}

// Rebuilding and checking the two states the history page compares, at the end of a history
// of 500 revisions.
func BenchmarkStatesAtEndOfLongHistory(b *testing.B) {
	s := storetest.New(b)
	a := longHistory(b, s, 500)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.StatesAt(ctx, a.ID, a.Revision-1, a.Revision); err != nil {
			b.Fatal(err)
		}
	}
}
