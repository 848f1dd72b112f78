package workflow_test

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

func newService(t *testing.T) (*workflow.Service, *assessments.User) {
	t.Helper()
	st := storetest.New(t)
	u, err := st.CreateUser(t.Context(), store.NewUser{Email: "alice@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return workflow.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), workflow.Config{}), u
}

// The operations answer with typed errors: a validation error naming each field, ErrConflict
// with the current version, ErrForbidden and ErrNotFound.
func TestProjectOperations(t *testing.T) {
	wf, u := newService(t)
	ctx := t.Context()
	alice := workflow.Actor{User: u}
	_, err := wf.CreateProject(ctx, alice, workflow.ProjectInput{Name: " ", Purpose: "a\x00b"}, []assessments.Dataset{{Name: "d", ApproxRecords: -1}})
	var invalid *workflow.ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("invalid input: %v, want a ValidationError", err)
	}
	for _, f := range []string{"name", "purpose", "datasets[0].approx_records"} {
		if invalid.Fields[f] == "" {
			t.Errorf("no message for %s: %v", f, invalid.Fields)
		}
	}
	p, err := wf.CreateProject(ctx, alice, workflow.ProjectInput{Name: "Support bot"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	name := "Renamed"
	if _, err := wf.UpdateProject(ctx, alice, p.ID, workflow.ProjectChange{Name: &name, Version: p.Version}); err != nil {
		t.Fatal(err)
	}
	_, err = wf.UpdateProject(ctx, alice, p.ID, workflow.ProjectChange{Name: &name, Version: p.Version})
	var conflict *workflow.ConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, workflow.ErrConflict) || conflict.Current != p.Version+1 {
		t.Fatalf("stale version: %v, want ConflictError at version %d", err, p.Version+1)
	}
	bob, err := wf.Store().CreateUser(ctx, store.NewUser{Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wf.UpdateProject(ctx, workflow.Actor{User: bob}, p.ID, workflow.ProjectChange{Name: &name}); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("non-member: %v, want ErrNotFound", err)
	}
	if err := wf.Store().SetMember(ctx, p.ID, bob.ID, assessments.RoleViewer); err != nil {
		t.Fatal(err)
	}
	if _, err := wf.UpdateProject(ctx, workflow.Actor{User: bob}, p.ID, workflow.ProjectChange{Name: &name}); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("viewer: %v, want ErrForbidden", err)
	}
	archived := true
	if _, err := wf.UpdateProject(ctx, alice, p.ID, workflow.ProjectChange{Archived: &archived}); err != nil {
		t.Fatal(err)
	}
	if _, err := wf.UpdateProject(ctx, alice, p.ID, workflow.ProjectChange{Name: &name}); !errors.Is(err, workflow.ErrFrozen) {
		t.Errorf("edit of an archived project: %v, want ErrFrozen", err)
	}
}

func TestPages(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{{"", 1, true}, {"1", 1, true}, {"100000", 100000, true}, {"100001", 0, false}, {"9223372036854775807", 0, false},
		{"0", 0, false}, {"-1", 0, false}, {"1e3", 0, false}, {"1,000", 0, false}, {" 2", 2, true}} {
		got, err := workflow.ParsePage(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParsePage(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if _, err := workflow.ParsePerPage("101"); err == nil || !strings.Contains(err.Error(), "per_page") {
		t.Errorf("per_page 101: %v", err)
	}
}
