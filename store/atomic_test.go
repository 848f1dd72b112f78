package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// WithAudit commits a change with its entry, or neither: an entry that cannot be written undoes
// the change, and a change that fails writes no entry.
func TestWithAuditCommitsChangeAndEntryTogether(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	u, err := st.CreateUser(ctx, store.NewUser{Email: "alice@example.org", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	e := store.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, Action: store.AuditUserUpdate, Target: store.AuditTarget("user", u.ID)}
	rename := func(name string) func(*store.Store) error {
		return func(tx *store.Store) error { return tx.UpdateUser(ctx, u.ID, name, false) }
	}
	name := func() string { v, _ := st.User(ctx, u.ID); return v.Name }
	entries := func() int { _, n, _ := st.AuditEntries(ctx, store.AuditQuery{}); return n }

	exec(`CREATE TRIGGER audit_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
	if err := st.WithAudit(ctx, e, rename("Mallory")); err == nil {
		t.Fatal("WithAudit succeeded with the audit log unwritable")
	}
	if name() == "Mallory" {
		t.Fatal("the change stayed although its entry could not be written")
	}
	exec(`DROP TRIGGER audit_full`)

	boom := errors.New("boom")
	if err := st.WithAudit(ctx, e, func(tx *store.Store) error { rename("Half")(tx); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the change's", err)
	}
	if name() == "Half" || entries() != 0 {
		t.Fatalf("a failed change left %q and %d entries", name(), entries())
	}

	if err := st.WithAudit(ctx, e, rename("Alice")); err != nil {
		t.Fatal(err)
	}
	if name() != "Alice" || entries() != 1 {
		t.Fatalf("after success: name %q, %d entries", name(), entries())
	}
	// Reads inside the transaction see its writes; a nested Atomic joins it.
	err = st.Atomic(ctx, func(tx *store.Store) error {
		if err := tx.UpdateUser(ctx, u.ID, "Inside", false); err != nil {
			return err
		}
		v, err := tx.User(ctx, u.ID)
		if err != nil || v.Name != "Inside" {
			t.Errorf("read inside the transaction: %v %v", v, err)
		}
		return tx.Atomic(ctx, func(inner *store.Store) error { return inner.Audit(ctx, e) })
	})
	if err != nil || name() != "Inside" || entries() != 2 {
		t.Fatalf("nested: %v, name %q, %d entries", err, name(), entries())
	}
}
