package store

import (
	"context"
	"fmt"

	"github.com/piaf-dev/piaf/assessments"
)

// Scope selects the projects a query looks at: the user's (or all, for admins), or one project.
type Scope struct {
	UserID    int64
	All       bool
	ProjectID int64 // zero: every project in scope
}

// instance tells whether the scope is the whole instance (an administrator's dashboard), whose
// totals are kept as counts (counters.go) instead of counted per request.
func (sc Scope) instance() bool { return sc.All && sc.ProjectID == 0 }

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

// from joins table (as alias, with an assessment_id column) and then join to the latest
// cycles of the active projects in scope, and opens the WHERE clause for the caller's terms.
// The join order is chosen, not left to the planner (which has no statistics): one project
// starts from that project; a member starts from their memberships, so the work is the size of
// their projects; an administrator reads table in the order of index, which matches the
// caller's ORDER BY, so a LIMIT stops after a page instead of sorting the instance; the others
// read table through byAssessment, an index that starts with assessment_id.
func (sc Scope) from(table, alias, index, byAssessment, join string) (string, []any) {
	perAssessment := ` CROSS JOIN ` + table + ` ` + alias + ` INDEXED BY ` + byAssessment + ` ON ` + alias + `.assessment_id = a.id` + join
	latest := ` a.cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = a.project_id)`
	switch {
	case sc.ProjectID != 0:
		q := ` FROM projects p CROSS JOIN assessments a ON a.project_id = p.id` + perAssessment +
			` WHERE p.id = ? AND p.archived_at IS NULL AND` + latest
		args := []any{sc.ProjectID}
		if !sc.All {
			q += ` AND EXISTS (SELECT 1 FROM members m WHERE m.project_id = p.id AND m.user_id = ?)`
			args = append(args, sc.UserID)
		}
		return q, args
	case sc.All:
		return ` FROM ` + table + ` ` + alias + ` INDEXED BY ` + index + ` JOIN assessments a ON a.id = ` + alias + `.assessment_id
			JOIN projects p ON p.id = a.project_id AND p.archived_at IS NULL` + join + ` WHERE` + latest, nil
	default:
		return ` FROM members m CROSS JOIN projects p ON p.id = m.project_id AND p.archived_at IS NULL
			CROSS JOIN assessments a ON a.project_id = p.id` + perAssessment +
			` WHERE m.user_id = ? AND` + latest, []any{sc.UserID}
	}
}

// CountCap bounds the totals the dashboard shows: past it a count says "CountCap or more"
// instead of reading every matching row of the instance.
const CountCap = 1000

// cappedCount counts the rows of a FROM ... WHERE clause, stopping at CountCap.
func (s *Store) cappedCount(ctx context.Context, from string, args []any) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1"+from+" LIMIT ?)", append(args[:len(args):len(args)], CountCap)...).Scan(&n)
	return n, err
}

// OpenHighRisks lists open significant and maximum risks, gravest first, then the newest
// assessments' first (the order of the findings_open_grave index, so the list reads a few
// index entries instead of sorting every open risk of the instance). The total stops at
// CountCap.
func (s *Store) OpenHighRisks(ctx context.Context, sc Scope, limit int) ([]assessments.OpenRisk, int, error) {
	r, err := cached(s.cacheFor(), cacheKey("OpenHighRisks", sc, limit), func() (counted[assessments.OpenRisk], error) {
		items, total, err := s.openHighRisks(ctx, sc, limit)
		return counted[assessments.OpenRisk]{items, total}, err
	})
	if err != nil {
		return nil, 0, err
	}
	return r.copy()
}

// counted is a page of a list and the list's total, as the cache keeps them.
type counted[T any] struct {
	items []T
	total int
}

// copy gives each caller its own slice, so one caller's changes cannot reach the cache.
func (c counted[T]) copy() ([]T, int, error) {
	if c.items == nil {
		return nil, c.total, nil
	}
	return append([]T(nil), c.items...), c.total, nil
}

func (s *Store) openHighRisks(ctx context.Context, sc Scope, limit int) ([]assessments.OpenRisk, int, error) {
	from, args := sc.from("findings", "f", "findings_open_grave", "findings_assessment_open", "")
	from += ` AND f.live = 1 AND f.status = 'open' AND f.residual_level >= 3`
	var total int
	var err error
	if sc.instance() {
		total, err = s.counter(ctx, "risks.open_high")
		total = min(total, CountCap)
	} else {
		total, err = s.cappedCount(ctx, from, args)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: count open risks: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT p.id, p.name, a.id, f.finding_id, f.title, f.residual_level`+from+
		` ORDER BY f.residual_level DESC, f.assessment_id DESC, f.finding_id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: open risks: %w", err)
	}
	defer rows.Close()
	var out []assessments.OpenRisk
	for rows.Next() {
		var r assessments.OpenRisk
		if err := rows.Scan(&r.ProjectID, &r.ProjectName, &r.AssessmentID, &r.FindingID, &r.Title, &r.Level); err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// OverdueMitigations lists mitigations due before today (YYYY-MM-DD) that are neither
// implemented nor verified, oldest first (the order of the mitigations_overdue index). The
// total stops at CountCap.
func (s *Store) OverdueMitigations(ctx context.Context, sc Scope, today string, limit int) ([]assessments.DueMitigation, int, error) {
	r, err := cached(s.cacheFor(), cacheKey("OverdueMitigations", sc, today, limit), func() (counted[assessments.DueMitigation], error) {
		items, total, err := s.overdueMitigations(ctx, sc, today, limit)
		return counted[assessments.DueMitigation]{items, total}, err
	})
	if err != nil {
		return nil, 0, err
	}
	return r.copy()
}

func (s *Store) overdueMitigations(ctx context.Context, sc Scope, today string, limit int) ([]assessments.DueMitigation, int, error) {
	from, args := sc.from("mitigations", "mi", "mitigations_overdue", "mitigations_assessment_due", " LEFT JOIN users u ON u.id = mi.owner_id")
	from += ` AND mi.findings > 0 AND mi.due IS NOT NULL AND mi.due < ?
		AND mi.status IN ('planned', 'in_progress')`
	args = append(args, today)
	var total int
	var err error
	if sc.instance() {
		total, err = s.dueCount(ctx, "mitigation", "", today)
		total = min(total, CountCap)
	} else {
		total, err = s.cappedCount(ctx, from, args)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: count overdue mitigations: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT p.id, p.name, a.id, mi.mitigation_id, mi.title, coalesce(u.email, ''), coalesce(u.name, ''), mi.due, mi.status`+from+
		` ORDER BY mi.due, mi.assessment_id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: overdue mitigations: %w", err)
	}
	defer rows.Close()
	var out []assessments.DueMitigation
	for rows.Next() {
		var m assessments.DueMitigation
		if err := rows.Scan(&m.ProjectID, &m.ProjectName, &m.AssessmentID, &m.MitigationID, &m.Title, &m.OwnerEmail, &m.OwnerName, &m.Due, &m.Status); err != nil {
			return nil, 0, err
		}
		out = append(out, m)
	}
	return out, total, rows.Err()
}
