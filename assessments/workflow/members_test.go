package workflow_test

import (
	"errors"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

// Members are added, changed and removed by the project's owners only, with one validation for
// every entry point, and a project never loses its last owner.
func TestMemberOperations(t *testing.T) {
	f := newAnswersFixture(t) // alice owns the project; carol assesses, vic views, olga is outside
	ctx := t.Context()
	id := f.project.ID
	if _, _, err := f.wf.AddMember(ctx, f.olga, id, "dan@example.org", "viewer"); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("an outsider adds a member: %v, want ErrNotFound", err)
	}
	if _, _, err := f.wf.AddMember(ctx, f.carol, id, "olga@example.org", "viewer"); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("an assessor adds a member: %v, want ErrForbidden", err)
	}
	var invalid *workflow.ValidationError
	for _, in := range []struct{ email, role, field string }{
		{"Not An Email", "viewer", "email"},
		{"nobody@example.org", "viewer", "email"},
		{"olga@example.org", "boss", "role"},
		{"olga\x00@example.org", "viewer", "email"},
	} {
		if _, _, err := f.wf.AddMember(ctx, f.alice, id, in.email, in.role); !errors.As(err, &invalid) || invalid.Fields[in.field] == "" {
			t.Errorf("add %q as %q: %v, want a ValidationError on %s", in.email, in.role, err, in.field)
		}
	}
	u, added, err := f.wf.AddMember(ctx, f.alice, id, "OLGA@example.org", "reviewer")
	if err != nil || !added || u.ID != f.olga.User.ID {
		t.Fatalf("add olga: %v %v %v", u, added, err)
	}
	if _, added, err := f.wf.AddMember(ctx, f.alice, id, "olga@example.org", "viewer"); err != nil || added {
		t.Errorf("adding a member again changes the role: added %v, %v", added, err)
	}
	if r, _ := f.wf.Store().Role(ctx, id, f.olga.User.ID); r != assessments.RoleViewer {
		t.Errorf("olga's role %q, want viewer", r)
	}
	var frozen *workflow.FrozenError
	if err := f.wf.ChangeRole(ctx, f.alice, id, f.alice.User.ID, "viewer"); !errors.As(err, &frozen) {
		t.Errorf("the last owner steps down: %v, want a FrozenError", err)
	}
	if err := f.wf.RemoveMember(ctx, f.alice, id, f.alice.User.ID); !errors.As(err, &frozen) {
		t.Errorf("the last owner leaves: %v, want a FrozenError", err)
	}
	if err := f.wf.ChangeRole(ctx, f.alice, id, 9999, "viewer"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("change a non-member: %v, want ErrNotFound", err)
	}
	if err := f.wf.RemoveMember(ctx, f.alice, id, f.olga.User.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.wf.Store().Role(ctx, id, f.olga.User.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("olga is still a member: %v", err)
	}
}
