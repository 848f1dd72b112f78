package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// overwritePages fills pages first..last (1-based, 4 KiB) of the database file with junk, as a
// failing disk or a stray write would.
func overwritePages(t *testing.T, path string, first, last int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := bytes.Repeat([]byte{0xAB}, 4096*(last-first+1))
	if _, err := f.WriteAt(junk, int64(first-1)*4096); err != nil {
		t.Fatal(err)
	}
}

func TestCheckFindsAlteredHistoryAndDamagedPages(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := s.CreateUser(ctx, store.NewUser{Email: "a@example.org"})
	p, _ := s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "p"}, nil)
	if _, err := s.EnsureQuestionnaire(ctx, "q", 1, "Q", []byte("key: q")); err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateAssessment(ctx, store.NewAssessment{ProjectID: p.ID, State: assessments.State{Questionnaire: "q", QuestionnaireVersion: 1}, Author: u.ID, Summary: "start"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyChange(ctx, a.ID, 1, u.ID, assessments.Change{Answers: map[string]any{"x": "y"}}, "x"); err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, store.AuditEvent{ActorEmail: "a@example.org", Action: store.AuditLogin}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Check(ctx)
	if err != nil || !rep.OK() || rep.Revisions != 2 || rep.Assessments != 1 || rep.Audit == nil || rep.Audit.Entries != 1 {
		t.Fatalf("Check of a healthy database: %+v, %v", rep, err)
	}

	// A revision rewritten behind piaf's back (its trigger dropped first).
	if err := s.Exec(ctx, "DROP TRIGGER revisions_are_immutable"); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, `UPDATE revisions SET changes = '{"answers":{"x":"forged"}}' WHERE assessment_id = ? AND number = 2`, a.ID); err != nil {
		t.Fatal(err)
	}
	rep, err = s.Check(ctx)
	if err != nil || rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), "revision 2 does not match") {
		t.Errorf("Check after a revision was rewritten: %+v, %v", rep, err)
	}
	s.Close()

	// Review of issue 17, item 12: three overwritten pages went unnoticed until history reads.
	overwritePages(t, filepath.Join(dir, store.FileName), 3, 5)
	s, err = store.OpenReadOnly(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, check := range map[string]func(context.Context) (*store.CheckReport, error){"QuickCheck": s.QuickCheck, "Check": s.Check} {
		rep, err := check(ctx)
		if err != nil || rep.OK() || rep.Integrity == "ok" {
			t.Errorf("%s after pages 3-5 were overwritten: %+v, %v", name, rep, err)
		}
	}
}
