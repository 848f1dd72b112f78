package store_test

import (
	"context"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// The project list is kept between reads, but every write, in a transaction or not, and a
// read inside a transaction see the current rows.
func TestCachedListsFollowWrites(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, store.NewUser{Email: "a@example.org"})
	q := store.ProjectQuery{UserID: u.ID, Limit: 10}
	count := func(want int, when string) []assessments.ProjectListItem {
		t.Helper()
		items, total, err := s.Projects(ctx, q)
		if err != nil || total != want || len(items) != want {
			t.Fatalf("%s: %d projects (%d listed), want %d: %v", when, total, len(items), want, err)
		}
		return items
	}
	count(0, "before any")
	p, err := s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "one"}, nil) // a transaction
	if err != nil {
		t.Fatal(err)
	}
	items := count(1, "after creating one")
	items[0].Name = "changed by a caller"
	if got := count(1, "again"); got[0].Name != "one" {
		t.Fatalf("a caller's change reached the cache: %q", got[0].Name)
	}
	if err := s.SetProjectArchived(ctx, p.ID, true); err != nil { // one statement, no transaction
		t.Fatal(err)
	}
	count(0, "after archiving it")
	if err := s.Exec(ctx, "UPDATE projects SET archived_at = NULL"); err != nil {
		t.Fatal(err)
	}
	count(1, "after a direct update")
	err = s.Atomic(ctx, func(st *store.Store) error {
		if _, err := st.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "two"}, nil); err != nil {
			return err
		}
		if _, total, err := st.Projects(ctx, q); err != nil || total != 2 {
			t.Errorf("inside the transaction: %d projects, want 2: %v", total, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	count(2, "after the transaction")
}
