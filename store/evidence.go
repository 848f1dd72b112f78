package store

import (
	"context"

	"github.com/piaf-dev/piaf/assessments"
)

// OpenAssessments lists the assessments not approved (draft, in review, changes requested),
// oldest first: those whose findings follow a change of the evidence policy.
func (s *Store) OpenAssessments(ctx context.Context) ([]*assessments.Assessment, error) {
	return s.assessmentList(ctx, "store: open assessments", `SELECT `+assessmentColumns+` FROM assessments WHERE status <> 'approved' ORDER BY id`)
}
