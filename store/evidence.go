package store

import (
	"context"
	"fmt"
)

// OpenAssessments lists the assessments not approved (draft, in review, changes requested),
// oldest first: those whose findings follow a change of the evidence policy.
func (s *Store) OpenAssessments(ctx context.Context) ([]*Assessment, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE status <> 'approved' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: open assessments: %w", err)
	}
	defer rows.Close()
	var out []*Assessment
	for rows.Next() {
		a, err := scanAssessment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
