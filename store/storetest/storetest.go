// Package storetest hands tests a real, migrated SQLite database in a temporary folder.
package storetest

import (
	"context"
	"testing"

	"github.com/piaf-dev/piaf/store"
)

// New opens a fresh database for the test and, when the test ends, checks its integrity and
// its kept counts (every write of the test must have kept them right), and closes it.
func New(t testing.TB) *store.Store {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.IntegrityCheck(context.Background()); err != nil {
			t.Errorf("after the test: %v", err)
		}
		if problems, err := s.CheckCounters(context.Background()); err != nil || len(problems) > 0 {
			t.Errorf("after the test, the kept counts: %v %v", problems, err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}
