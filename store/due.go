package store

import (
	"context"
	"fmt"
)

// DueItem is something with a due date in the latest cycle of an active project: a mitigation
// not done yet, or a risk acceptance that will expire.
type DueItem struct {
	Kind         string // "mitigation" or "acceptance"
	ProjectID    int64
	ProjectName  string
	AssessmentID int64
	Cycle        int
	ItemID       string // mitigation or finding id
	Title        string
	OwnerID      int64 // the mitigation's owner; zero for acceptances and unowned mitigations
	Due          string
}

// DueItems lists open mitigations with a due date and accepted risks with an expiry.
func (s *Store) DueItems(ctx context.Context) ([]DueItem, error) {
	const latest = ` JOIN assessments a ON a.id = x.assessment_id JOIN projects p ON p.id = a.project_id AND p.archived_at IS NULL
		WHERE a.cycle = (SELECT max(cycle) FROM assessments y WHERE y.project_id = a.project_id)`
	rows, err := s.read.QueryContext(ctx, `
		SELECT 'mitigation', p.id, p.name, a.id, a.cycle, x.mitigation_id, x.title, coalesce(x.owner_id, 0), x.due
		FROM mitigations x`+latest+` AND x.due IS NOT NULL AND x.findings > 0 AND x.status IN ('planned', 'in_progress')
		UNION ALL
		SELECT 'acceptance', p.id, p.name, a.id, a.cycle, x.finding_id, x.title, 0, x.acceptance_expires
		FROM findings x`+latest+` AND x.acceptance_expires IS NOT NULL AND x.status = 'accepted' AND x.live = 1
		ORDER BY 9, 2, 6`)
	if err != nil {
		return nil, fmt.Errorf("store: due items: %w", err)
	}
	defer rows.Close()
	var out []DueItem
	for rows.Next() {
		var d DueItem
		if err := rows.Scan(&d.Kind, &d.ProjectID, &d.ProjectName, &d.AssessmentID, &d.Cycle, &d.ItemID, &d.Title, &d.OwnerID, &d.Due); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// AdminIDs lists the active administrators.
func (s *Store) AdminIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT id FROM users WHERE is_admin = 1 AND disabled_at IS NULL ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// MemberProjects lists the ids of the projects a user is a member of.
func (s *Store) MemberProjects(ctx context.Context, userID int64) (map[int64]bool, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT project_id FROM members WHERE user_id = ?", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
