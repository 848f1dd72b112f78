package store

import (
	"context"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// TestGateChecksKeepTheNewest checks that each project keeps its own newest decisions, however
// the decisions of several projects interleave.
func TestGateChecksKeepTheNewest(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer func(n int) { gateChecksKept = n }(gateChecksKept)
	gateChecksKept = 3
	u, err := s.CreateUser(ctx, NewUser{Email: "o@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "a"}, nil)
	b, _ := s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "b"}, nil)
	for i := range 5 {
		for _, p := range []*assessments.Project{a, b} {
			g := &assessments.GateCheck{ProjectID: p.ID, Allowed: i%2 == 0, Reasons: []assessments.GateReason{{Code: "c", Message: "m"}}, UserID: u.ID}
			if err := s.RecordGateCheck(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, p := range []*assessments.Project{a, b} {
		list, total, err := s.GateChecks(ctx, p.ID, 10, 0)
		if err != nil || total != 3 || len(list) != 3 {
			t.Fatalf("project %s keeps %d (total %d, err %v), want 3", p.Name, len(list), total, err)
		}
		if !list[0].Allowed || list[0].Reasons[0].Code != "c" || list[0].At.After(time.Now()) {
			t.Errorf("newest of %s: %+v", p.Name, list[0])
		}
	}
}
