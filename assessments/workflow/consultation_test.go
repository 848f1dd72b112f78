package workflow_test

import (
	"errors"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

func mustDef(t *testing.T, f *reviewFixture) *questionnaire.Definition {
	t.Helper()
	def, err := f.wf.Definition(t.Context(), "rq", 1)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// The opinion is a reviewer's: attributed with name, time and revision, refused to others,
// frozen with the approval, and it does not keep the reviewer who gave it from approving.
func TestGiveOpinion(t *testing.T) {
	f := newReviewFixture(t, assessments.State{})
	ctx := t.Context()
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	f.wf.SetClock(func() time.Time { return at })
	id := f.assessment.ID
	opinion := assessments.Consultation{DPOOpinion: "Proportionate.", ViewsSought: "no", Views: "A survey was not possible."}

	if _, err := f.wf.GiveOpinion(ctx, f.outsider, id, f.assessment.Revision, opinion); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("outsider: %v, want ErrNotFound", err)
	}
	var forbidden *workflow.ForbiddenError
	for _, who := range []workflow.Actor{f.ana, f.owner, f.viewer} {
		if _, err := f.wf.GiveOpinion(ctx, who, id, f.assessment.Revision, opinion); !errors.As(err, &forbidden) || !errors.Is(err, workflow.ErrForbidden) {
			t.Errorf("%s gives the opinion: %v, want a ForbiddenError", who.User.Name, err)
		}
	}
	var invalid *workflow.ValidationError
	for field, in := range map[string]assessments.Consultation{
		"views_sought": {ViewsSought: "maybe", Views: "x"},
		"views":        {ViewsSought: "yes"},
		"dpo_opinion":  {DPOOpinion: "a\x00b"},
	} {
		if _, err := f.wf.GiveOpinion(ctx, f.rita, id, f.assessment.Revision, in); !errors.As(err, &invalid) || invalid.Fields[field] == "" {
			t.Errorf("%+v: %v, want a ValidationError on %s", in, err, field)
		}
	}
	a := f.answer()
	var conflict *workflow.ConflictError
	if _, err := f.wf.GiveOpinion(ctx, f.rita, id, f.assessment.Revision, opinion); !errors.As(err, &conflict) || conflict.Current != int64(a.Revision) {
		t.Errorf("stale base: %v, want a ConflictError at %d", err, a.Revision)
	}
	a, err := f.wf.Submit(ctx, f.ana, id, a.Revision, "")
	if err != nil {
		t.Fatal(err)
	}
	base := a.Revision
	a, err = f.wf.GiveOpinion(ctx, f.rita, id, base, opinion)
	if err != nil {
		t.Fatal(err)
	}
	c := a.State.Consultation
	if !c.Attributed() || c.GivenBy != f.rita.User.ID || c.GivenByName != "Rita" || c.OnRevision != base || c.GivenAt != "2026-11-30T10:00:00Z" ||
		c.DPOOpinion != opinion.DPOOpinion || a.Status != assessments.InReview {
		t.Fatalf("consultation %+v, status %s", c, a.Status)
	}
	// Giving the opinion is not content: Rita may still approve.
	if a, err = f.wf.Approve(ctx, f.rita, id, a.Revision, ""); err != nil {
		t.Fatalf("the reviewer who gave the opinion approves: %v", err)
	}
	var frozen *workflow.FrozenError
	if _, err := f.wf.GiveOpinion(ctx, f.rita, id, a.Revision, opinion); !errors.As(err, &frozen) {
		t.Errorf("after approval: %v, want a FrozenError", err)
	}
}
