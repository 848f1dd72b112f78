package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// The statement cache returns what uncached queries return, sees writes made after a
// statement was prepared, runs several statements in one string uncached, and stops caching
// at its bound while queries still run.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	p := newPool(db)
	defer p.Close()
	if _, err := p.ExecContext(ctx, "CREATE TABLE t (v INTEGER); CREATE TABLE u (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if len(p.stmts) != 0 {
		t.Fatalf("a string of two statements was cached")
	}
	count := func() int {
		var n int
		if err := p.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 3 {
		if got := count(); got != i {
			t.Fatalf("count %d, want %d", got, i)
		}
		if _, err := p.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	if p.stmts["SELECT count(*) FROM t"] == nil {
		t.Fatal("a repeated query was not cached")
	}
	if err := p.QueryRowContext(ctx, "SELECT nope FROM t").Scan(new(int)); err == nil {
		t.Fatal("a query that does not compile ran")
	}
	for i := range maxCachedStatements + 5 {
		var v int
		if err := p.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&v); err != nil || v != i {
			t.Fatalf("SELECT %d: %d, %v", i, v, err)
		}
	}
	if len(p.stmts) > maxCachedStatements {
		t.Fatalf("cache holds %d statements, bound %d", len(p.stmts), maxCachedStatements)
	}
	tx, err := p.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := p.txQueryRow(ctx, tx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 3 {
		t.Fatalf("in a transaction: %d, %v", n, err)
	}
}
