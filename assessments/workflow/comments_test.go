package workflow_test

import (
	"errors"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

func TestCommentOperations(t *testing.T) {
	f := newReviewFixture(t, assessments.State{})
	ctx := t.Context()
	id := f.assessment.ID
	on := func(body string) workflow.CommentInput {
		return workflow.CommentInput{TargetKind: "question", TargetKey: "a", Body: body}
	}
	if _, err := f.wf.AddComment(ctx, f.outsider, id, on("hello")); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("outsider comments: %v, want ErrNotFound", err)
	}
	if _, err := f.wf.AddComment(ctx, f.viewer, id, on("hello")); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("viewer comments: %v, want ErrForbidden", err)
	}
	for _, in := range []workflow.CommentInput{{TargetKind: "question", TargetKey: "nope", Body: "x"}, {TargetKind: "finding", TargetKey: "f9", Body: "x"}, {TargetKind: "page", TargetKey: "a", Body: "x"}} {
		if _, err := f.wf.AddComment(ctx, f.rita, id, in); !errors.Is(err, workflow.ErrNotFound) {
			t.Errorf("comment on %s %s: %v, want ErrNotFound", in.TargetKind, in.TargetKey, err)
		}
	}
	var invalid *workflow.ValidationError
	for _, body := range []string{"  ", "a\x00b", string(make([]byte, 20001))} {
		if _, err := f.wf.AddComment(ctx, f.rita, id, on(body)); !errors.As(err, &invalid) || invalid.Fields["body"] == "" {
			t.Errorf("comment %.10q: %v, want a ValidationError on body", body, err)
		}
	}
	c, err := f.wf.AddComment(ctx, f.rita, id, on("Why yes?"))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := f.st.UnreadNotifications(ctx, f.ana.User.ID); n != 1 {
		t.Errorf("ana has %d notifications, want 1", n)
	}
	a, err := f.st.Assessment(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if link := workflow.CommentLink(mustDef(t, f), a, "question", "a"); link != workflow.AssessmentPath(id)+"/sections/s#q-a" {
		t.Errorf("comment link %q", link)
	}
	// A comment on a question the page does not show leads to the overview, where it is resolved.
	if link := workflow.CommentLink(mustDef(t, f), a, "question", "gone"); link != workflow.AssessmentPath(id)+"#open-comments" {
		t.Errorf("link of a comment on a question not shown %q", link)
	}
	// A reviewer resolves only their own comments; an editor resolves any.
	if _, err := f.wf.ResolveComment(ctx, f.rob, id, c.ID); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("another reviewer resolves: %v, want ErrForbidden", err)
	}
	resolved, err := f.wf.ResolveComment(ctx, f.ana, id, c.ID)
	if err != nil || resolved.ResolvedAt == nil {
		t.Fatalf("assessor resolves: %v, %+v", err, resolved)
	}
	if _, err := f.wf.ResolveComment(ctx, f.ana, id, c.ID); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("resolve twice: %v, want ErrNotFound", err)
	}
	f.answer()
	f.approve()
	if _, err := f.wf.AddComment(ctx, f.rita, id, on("late")); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("comment on an approved assessment: %v, want ErrForbidden", err)
	}
}
