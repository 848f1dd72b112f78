package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// longHistory makes an assessment with n revisions: the first starts it, revision k (k > 1)
// sets the answer "n" to k, and revision 50 submits it.
func longHistory(t testing.TB, s *store.Store, n int) *assessments.Assessment {
	t.Helper()
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, store.NewUser{Email: "a@example.org"})
	p, _ := s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "p"}, nil)
	if _, err := s.EnsureQuestionnaire(ctx, "q", 1, "Q", []byte("key: q")); err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAssessment(ctx, store.NewAssessment{ProjectID: p.ID, State: assessments.State{Questionnaire: "q", QuestionnaireVersion: 1}, Author: u.ID, Summary: "start"})
	if err != nil {
		t.Fatal(err)
	}
	for k := 2; k <= n; k++ {
		c := assessments.Change{Answers: map[string]any{"n": float64(k)}}
		if k == 50 {
			c = assessments.Change{Status: assessments.InReview}
		}
		if a, err = s.ApplyChange(ctx, a.ID, k-1, u.ID, c, "edit"); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func TestStatesAtRebuildsAndChecksShownRevisions(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	a := longHistory(t, s, 140) // past the checkpoint at 128
	states, err := s.StatesAt(ctx, a.ID, 1, 31, 127, 128, 129, 140)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{31, 127, 128, 129} {
		if got := states[k].Answers["n"]; got != float64(k) {
			t.Errorf("revision %d: n = %v, want %d", k, got, k)
		}
	}
	if states[129].Status != assessments.InReview || states[31].Status != assessments.Draft {
		t.Errorf("statuses: %s at 129, %s at 31", states[129].Status, states[31].Status)
	}
	if _, ok := states[1].Answers["n"]; ok {
		t.Error("revision 1 has an answer")
	}
	if states[140].Hash() != a.StateHash {
		t.Error("the last state does not hash as the assessment's current state")
	}
	if _, err := s.StatesAt(ctx, a.ID, 141); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revision 141: %v, want not found", err)
	}
	if _, err := s.StatesAt(ctx, a.ID, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revision 0: %v, want not found", err)
	}
	check, err := s.VerifyAllRevisions(ctx)
	if err != nil || check.Assessments != 1 || check.Revisions != 140 || len(check.Broken) != 0 {
		t.Fatalf("verify all: %+v %v", check, err)
	}
}

func TestAlteredHistoryIsFound(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	a := longHistory(t, s, 70)
	// Someone holding the file can drop the trigger that keeps revisions append-only.
	if err := s.Exec(ctx, "DROP TRIGGER revisions_are_immutable"); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, `UPDATE revisions SET changes = '{"answers":{"n":40,"x":"slipped in"}}' WHERE assessment_id = ? AND number = 40`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StatesAt(ctx, a.ID, 40); !errors.Is(err, store.ErrHistoryAltered) {
		t.Errorf("showing the altered revision: %v, want ErrHistoryAltered", err)
	}
	if _, err := s.StatesAt(ctx, a.ID, 39, 70); !errors.Is(err, store.ErrHistoryAltered) {
		t.Errorf("comparing across it: %v, want ErrHistoryAltered", err)
	}
	if _, err := s.StatesAt(ctx, a.ID, 10, 20); err != nil {
		t.Errorf("revisions before it: %v", err)
	}
	check, err := s.VerifyAllRevisions(ctx)
	if err != nil || len(check.Broken) != 1 || check.Broken[0].Revision != 40 {
		t.Fatalf("verify all: %+v %v", check, err)
	}
}

func TestAlteredCheckpointIsFound(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	a := longHistory(t, s, 140)
	if err := s.Exec(ctx, `UPDATE revision_checkpoints SET state = json_set(state, '$.answers.x', 'slipped in') WHERE assessment_id = ? AND number = 128`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StatesAt(ctx, a.ID, 129); !errors.Is(err, store.ErrHistoryAltered) {
		t.Errorf("rebuilt from the altered checkpoint: %v, want ErrHistoryAltered", err)
	}
	check, err := s.VerifyAllRevisions(ctx)
	if err != nil || len(check.Broken) != 1 || check.Broken[0].Revision != 128 {
		t.Fatalf("verify all: %+v %v", check, err)
	}
}

func TestRevisionPage(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	a := longHistory(t, s, 70)
	page, err := s.RevisionPage(ctx, a.ID, 0, 10)
	if err != nil || len(page) != 10 || page[0].Number != 70 || page[9].Number != 61 {
		t.Fatalf("first page: %d rows, %v", len(page), err)
	}
	page, err = s.RevisionPage(ctx, a.ID, 55, 10)
	if err != nil || len(page) != 10 || page[0].Number != 54 || page[4].Change.Status != assessments.InReview || page[4].AuthorEmail != "a@example.org" {
		t.Fatalf("page before 55: %v", err)
	}
	page, _ = s.RevisionPage(ctx, a.ID, 3, 10)
	if len(page) != 2 || page[1].Number != 1 {
		t.Fatalf("last page: %d rows", len(page))
	}
}
