package workflow

import (
	"context"
	"errors"
	"maps"
	"strconv"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// Restore appends a new revision whose content (answers, findings, mitigations) is that of
// revision number; nothing is rewritten. base is the revision the actor saw. A
// restore is audited with the revision it wrote.
func (s *Service) Restore(ctx context.Context, who Actor, assessmentID int64, base, number int) (*assessments.Assessment, error) {
	a, def, err := s.editable(ctx, who, assessmentID)
	if err != nil {
		return nil, err
	}
	if number < 1 || number > a.Revision {
		return nil, Invalid("revision", "There is no revision "+strconv.Itoa(number)+".")
	}
	states, err := s.store.StatesAt(ctx, a.ID, number)
	if err != nil {
		return nil, err
	}
	next := restored(a.State, states[number])
	e := event(who, store.AuditAssessmentRestore, store.AuditTarget("assessment", a.ID), map[string]any{"restored": number})
	saved, err := s.commit(ctx, who, a, def, base, next, "Restored the content of revision "+strconv.Itoa(number), &e)
	if errors.Is(err, ErrConflict) {
		return nil, s.staleError(ctx, a.ID, base)
	}
	return saved, err
}

// restored is the current state with the content of old.
func restored(cur, old assessments.State) assessments.State {
	next := cur
	// The consultation is a reviewer's attributed opinion, not content: a restore (which owners
	// and assessors run) keeps today's.
	next.Answers, next.Findings, next.Mitigations = old.Answers, old.Findings, old.Mitigations
	next.Seq = max(cur.Seq, old.Seq) // ids used since must not come back for other items
	// Acceptances are reviewers' decisions, not content: a restore keeps today's, and never
	// brings back one a reviewer has withdrawn since.
	for id, f := range next.Findings {
		now := cur.Findings[id]
		if f.Acceptance == nil || (now != nil && now.Acceptance != nil && *now.Acceptance == *f.Acceptance) {
			continue
		}
		g := *f
		g.Acceptance = nil
		if g.Status == assessments.FindingAccepted {
			g.Status = assessments.FindingOpen
		}
		next.Findings = maps.Clone(next.Findings)
		next.Findings[id] = &g
	}
	return next
}
