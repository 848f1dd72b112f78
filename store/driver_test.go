package store

import (
	"context"
	"path/filepath"
	"testing"
)

// Kept statements give the same answers as fresh ones: the same query asked again while the
// rows of its first use are still open gets a statement of its own, and a query reused after an
// error, or inside and outside a transaction, still runs.
func TestKeptStatements(t *testing.T) {
	ctx := context.Background()
	s, err := OpenFile(ctx, filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, e := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		if _, err := s.CreateUser(ctx, NewUser{Email: e}); err != nil {
			t.Fatal(err)
		}
	}
	const q = "SELECT id, email FROM users WHERE id >= ? ORDER BY id"
	err = s.Atomic(ctx, func(st *Store) error {
		rows, err := st.read.QueryContext(ctx, q, 1)
		if err != nil {
			return err
		}
		defer rows.Close()
		var outer, inner int
		for rows.Next() {
			var id int64
			var email string
			if err := rows.Scan(&id, &email); err != nil {
				return err
			}
			outer++
			// The same query, on the same connection, while the outer rows are open.
			in, err := st.read.QueryContext(ctx, q, id)
			if err != nil {
				return err
			}
			for in.Next() {
				inner++
			}
			if err := in.Close(); err != nil {
				return err
			}
		}
		if outer != 3 || inner != 3+2+1 {
			t.Errorf("outer %d rows, inner %d, want 3 and 6", outer, inner)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, NewUser{Email: "a@example.org"}); err == nil {
		t.Fatal("a duplicate email was accepted")
	}
	// The insert's kept statement after its failure, and the query outside the transaction.
	if _, err := s.CreateUser(ctx, NewUser{Email: "d@example.org"}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE id >= ?", 1).Scan(&n); err != nil || n != 4 {
		t.Fatalf("after the failed insert: %d users, %v", n, err)
	}
}
