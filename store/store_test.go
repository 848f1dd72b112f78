package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

func TestOpenSetsPragmas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Errorf("data folder mode = %v, want 0700", info.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName+"-wal")); err != nil {
		t.Errorf("no WAL file next to the database: %v", err)
	}
	if info, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("database file mode: %v %v", info.Mode().Perm(), err)
	}
	// Opening again applies no migration twice.
	s2, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	s2.Close()
}

func TestForeignKeysEnforced(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if err := s.SetMember(ctx, 999, 999, assessments.RoleViewer); err == nil {
		t.Fatal("adding a member to a missing project succeeded; foreign keys are off")
	}
}

func TestConcurrentWritesAllLand(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, store.NewUser{Email: "a@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "p"}, nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write failed: %v", err)
		}
	}
	_, total, err := s.Projects(ctx, store.ProjectQuery{UserID: u.ID})
	if err != nil || total != 40 {
		t.Fatalf("projects = %d, %v; want 40", total, err)
	}
}

func TestUpdateProjectDetectsConflict(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, store.NewUser{Email: "a@example.org"})
	p, err := s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "one"}, []assessments.Dataset{{Name: "tickets"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateProject(ctx, p.ID, p.Version, assessments.ProjectFields{Name: "two"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateProject(ctx, p.ID, p.Version, assessments.ProjectFields{Name: "three"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: err = %v, want ErrConflict", err)
	}
	if _, err := s.UpdateProject(ctx, 12345, 1, assessments.ProjectFields{Name: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing project: err = %v, want ErrNotFound", err)
	}
}

func TestLastOwnerIsKept(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	owner, _ := s.CreateUser(ctx, store.NewUser{Email: "o@example.org"})
	other, _ := s.CreateUser(ctx, store.NewUser{Email: "x@example.org"})
	p, _ := s.CreateProject(ctx, owner.ID, assessments.ProjectFields{Name: "p"}, nil)
	if err := s.SetMember(ctx, p.ID, owner.ID, assessments.RoleViewer); !errors.Is(err, store.ErrLastOwner) {
		t.Fatalf("demoting the last owner: %v", err)
	}
	if err := s.RemoveMember(ctx, p.ID, owner.ID); !errors.Is(err, store.ErrLastOwner) {
		t.Fatalf("removing the last owner: %v", err)
	}
	if err := s.SetMember(ctx, p.ID, other.ID, assessments.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, p.ID, owner.ID); err != nil {
		t.Fatalf("removing an owner when another remains: %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	u, _ := s.CreateUser(ctx, store.NewUser{Email: "a@example.org"})
	p := store.SessionPolicy{Idle: time.Hour, Absolute: 3 * time.Hour}
	tok, err := s.CreateSession(ctx, u.ID, p, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []time.Duration{50 * time.Minute, 50 * time.Minute, 50 * time.Minute} {
		now = now.Add(step)
		if _, err := s.Session(ctx, tok, p); err != nil {
			t.Fatalf("active session ended early at %v: %v", now, err)
		}
	}
	now = now.Add(40 * time.Minute) // 3h10m after sign-in
	if _, err := s.Session(ctx, tok, p); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session past its absolute limit: %v", err)
	}
	tok2, _ := s.CreateSession(ctx, u.ID, p, "", "")
	now = now.Add(61 * time.Minute)
	if _, err := s.Session(ctx, tok2, p); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("idle session still valid: %v", err)
	}
}

func TestLinksAreSingleUse(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	tok, err := s.CreateLink(ctx, store.LinkSetup, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteSetup(ctx, tok, store.NewUser{Email: "admin@example.org", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteSetup(ctx, tok, store.NewUser{Email: "evil@example.org", PasswordHash: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("setup link reused: %v", err)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, store.NewUser{Email: "a@example.org"})
	s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "kept"}, nil)
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	b, err := store.OpenFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := b.Projects(ctx, store.ProjectQuery{All: true}); total != 1 {
		t.Fatalf("backup has %d projects, want 1", total)
	}
	if err := s.Backup(ctx, path); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
}

func TestRevisionsAreAppendOnly(t *testing.T) {
	s := storetest.New(t)
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
	if _, err := s.ApplyChange(ctx, a.ID, 1, u.ID, assessments.Change{Answers: map[string]any{"x": "y"}}, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyChange(ctx, a.ID, 1, u.ID, assessments.Change{Answers: map[string]any{"x": "z"}}, "stale"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale change: %v", err)
	}
	err = s.Exec(ctx, "UPDATE revisions SET summary = 'rewritten' WHERE assessment_id = ?", a.ID)
	if err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("rewriting a revision: %v", err)
	}
	got, _ := s.Assessment(ctx, a.ID)
	want := (assessments.State{Questionnaire: "q", QuestionnaireVersion: 1, Status: assessments.Draft, Answers: map[string]any{"x": "y"}}).Hash()
	if got.State.Answers["x"] != "y" {
		t.Errorf("state answers: %v", got.State.Answers)
	}
	if got.StateHash != want || got.Revision != 2 {
		t.Fatalf("state hash %s rev %d, want %s rev 2", got.StateHash, got.Revision, want)
	}
	if differs, _ := s.EnsureQuestionnaire(ctx, "q", 1, "Q", []byte("key: q\n# changed")); !differs {
		t.Error("a changed built-in with the same version went unnoticed")
	}
}

func TestOpenCurrentNeverMigrates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.OpenCurrent(ctx, dir) // a new database is made whole
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = store.OpenCurrent(ctx, dir)
	if err != nil {
		t.Fatalf("a current database: %v", err)
	}
	// Pretend a newer server migrated further.
	if err := s.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future.sql', 'x')"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := store.OpenCurrent(ctx, dir); !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "version 9999") {
		t.Fatalf("a newer database: %v", err)
	}
}
