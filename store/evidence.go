package store

import (
	"context"
)

// OpenAssessments lists the assessments not approved (draft, in review, changes requested),
// oldest first: those whose findings follow a change of the evidence policy.
func (s *Store) OpenAssessments(ctx context.Context) ([]*Assessment, error) {
	return s.assessmentList(ctx, "store: open assessments", `SELECT `+assessmentColumns+` FROM assessments WHERE status <> 'approved' ORDER BY id`)
}
