package store_test

import (
	"errors"
	"testing"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// A taken email is recognised by SQLite's result code, and a timestamp written behind the
// app's back fails the read instead of becoming the zero time.
func TestTypedErrors(t *testing.T) {
	st := storetest.New(t)
	ctx := t.Context()
	u, err := st.CreateUser(ctx, store.NewUser{Email: "a@example.org", Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Email: "a@example.org", Name: "B"}); !errors.Is(err, store.ErrUnique) {
		t.Fatalf("second user with the same email: %v, want ErrUnique", err)
	}
	if err := st.Exec(ctx, "UPDATE users SET created_at = 'yesterday' WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.User(ctx, u.ID); !errors.Is(err, store.ErrBadTime) {
		t.Fatalf("user with a malformed created_at: %v, want ErrBadTime", err)
	}
	if _, err := st.User(ctx, u.ID+100); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing user: %v, want ErrNotFound", err)
	}
}
