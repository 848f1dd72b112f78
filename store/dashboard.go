package store

import (
	"context"
	"fmt"
)

// Scope selects the projects a query looks at: the user's (or all, for admins), or one project.
type Scope struct {
	UserID    int64
	All       bool
	ProjectID int64 // zero: every project in scope
}

// where follows a join of assessments as a: it keeps the latest cycle of each active project the
// scope covers. Older cycles are history: their risks were carried into the next one or closed.
func (sc Scope) where() (string, []any) {
	q := ` JOIN projects p ON p.id = a.project_id AND p.archived_at IS NULL
		WHERE a.cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = a.project_id)`
	var args []any
	if !sc.All {
		q += ` AND EXISTS (SELECT 1 FROM members m WHERE m.project_id = p.id AND m.user_id = ?)`
		args = append(args, sc.UserID)
	}
	if sc.ProjectID != 0 {
		q += ` AND p.id = ?`
		args = append(args, sc.ProjectID)
	}
	return q, args
}

// OpenRisk is a live, open finding at significant or maximum residual level.
type OpenRisk struct {
	ProjectID    int64
	ProjectName  string
	AssessmentID int64
	FindingID    string
	Title        string
	Level        int
}

// OpenHighRisks lists open significant and maximum risks, gravest first.
func (s *Store) OpenHighRisks(ctx context.Context, sc Scope, limit int) ([]OpenRisk, int, error) {
	from, args := sc.where()
	from = ` FROM findings f JOIN assessments a ON a.id = f.assessment_id` + from + ` AND f.live = 1 AND f.status = 'open' AND f.residual_level >= 3`
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count open risks: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT p.id, p.name, a.id, f.finding_id, f.title, f.residual_level`+from+
		` ORDER BY f.residual_level DESC, p.name, f.title LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: open risks: %w", err)
	}
	defer rows.Close()
	var out []OpenRisk
	for rows.Next() {
		var r OpenRisk
		if err := rows.Scan(&r.ProjectID, &r.ProjectName, &r.AssessmentID, &r.FindingID, &r.Title, &r.Level); err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// DueMitigation is a linked mitigation not done by its due date.
type DueMitigation struct {
	ProjectID    int64
	ProjectName  string
	AssessmentID int64
	MitigationID string
	Title        string
	OwnerEmail   string
	OwnerName    string // empty when the owner has no name
	Due          string
	Status       string
}

// OverdueMitigations lists mitigations due before today (YYYY-MM-DD) that are neither
// implemented nor verified, oldest first.
func (s *Store) OverdueMitigations(ctx context.Context, sc Scope, today string, limit int) ([]DueMitigation, int, error) {
	from, args := sc.where()
	from = ` FROM mitigations mi JOIN assessments a ON a.id = mi.assessment_id LEFT JOIN users u ON u.id = mi.owner_id` +
		from + ` AND mi.findings > 0 AND mi.due IS NOT NULL AND mi.due < ?
		AND mi.status IN ('planned', 'in_progress')`
	args = append(args, today)
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count overdue mitigations: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT p.id, p.name, a.id, mi.mitigation_id, mi.title, coalesce(u.email, ''), coalesce(u.name, ''), mi.due, mi.status`+from+
		` ORDER BY mi.due, p.name LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: overdue mitigations: %w", err)
	}
	defer rows.Close()
	var out []DueMitigation
	for rows.Next() {
		var m DueMitigation
		if err := rows.Scan(&m.ProjectID, &m.ProjectName, &m.AssessmentID, &m.MitigationID, &m.Title, &m.OwnerEmail, &m.OwnerName, &m.Due, &m.Status); err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, total, rows.Err()
}
