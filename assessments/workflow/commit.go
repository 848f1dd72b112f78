package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

// auditNote is the audit entry a change commits with. The new revision number is added to its
// details once the change is written.
type auditNote struct {
	Action  string
	Details map[string]any
}

// commitChange saves next, computed by the actor from a's state, as the assessment's new state,
// provided the actor worked on the current revision (base == a.Revision): a change based on an
// older revision is refused with a ConflictError naming the current one, and so is a change that
// loses a race with another save. On the way it applies the instance's evidence policy to the
// findings, moves an assessment with changes requested back to draft when its content changes,
// and appends one revision holding the difference (summary, or one written from the difference
// when empty). With a note, the revision and its audit entry commit in one transaction.
func (s *Service) commitChange(ctx context.Context, who Actor, a *assessments.Assessment, def *questionnaire.Definition, base int,
	next assessments.State, summary string, note *auditNote) (*assessments.Assessment, error) {
	if base != a.Revision {
		return nil, staleRevision(base, a.Revision)
	}
	policy, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	next = assessments.ReconcilePolicy(def, next, policy) // the instance's limits, so a policy change takes effect
	if next.Status == assessments.ChangesRequested && !assessments.Diff(a.State, next).Empty() {
		next.Status = assessments.Draft // the requested changes are being made
	}
	change := assessments.Diff(a.State, next)
	if summary == "" {
		summary = assessments.Summarise(def, a.State, change)
	}
	var saved *assessments.Assessment
	apply := func(st *store.Store) (err error) {
		saved, err = st.ApplyChange(ctx, a.ID, base, who.id(), change, summary)
		if err == nil && note != nil && note.Details != nil {
			note.Details["revision"] = saved.Revision
		}
		return err
	}
	if note == nil {
		err = apply(s.store)
	} else {
		if note.Details == nil {
			note.Details = map[string]any{}
		}
		err = s.audited(ctx, who, note.Action, store.AuditTarget("assessment", a.ID), note.Details, apply)
	}
	if errors.Is(err, store.ErrConflict) {
		current := a.Revision
		if now, lerr := s.store.Assessment(ctx, a.ID); lerr == nil {
			current = now.Revision
		}
		return nil, staleRevision(base, current)
	}
	return saved, err
}

// staleRevision is the conflict of a change based on revision base when current is the newest.
func staleRevision(base, current int) error {
	return &ConflictError{What: fmt.Sprintf("the assessment changed since revision %d; fetch revision %d and apply the change again", base, current),
		Current: int64(current)}
}
