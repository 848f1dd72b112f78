package store

import (
	"context"
	"fmt"
	"strings"
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

// DueSoon is a line of the dashboard's "due soon" list: a re-assessment (approved cycle whose
// review date is near or whose project changed), a mitigation due soon, or an acceptance
// expiring.
type DueSoon struct {
	Kind         string // "reassessment", "mitigation" or "acceptance"
	ProjectID    int64
	ProjectName  string
	AssessmentID int64
	Cycle        int
	ItemID       string // mitigation or finding id; empty for re-assessments
	Title        string
	Due          string // YYYY-MM-DD; may be empty for a re-assessment required by a change
	Reason       string // why a re-assessment is required, when the project changed
}

// DueSoonList lists, in the scope's latest cycles, re-assessments required or due by horizon,
// mitigations due from today to horizon and acceptances expiring by horizon (all YYYY-MM-DD):
// required re-assessments first, then by date. It returns at most limit lines and how many
// there are in all (at most CountCap), reading only the matching rows through indexes.
func (s *Store) DueSoonList(ctx context.Context, sc Scope, today, horizon string, limit int) ([]DueSoon, int, error) {
	r, err := cached(s.cacheFor(), cacheKey("DueSoonList", sc, today, horizon, limit), func() (counted[DueSoon], error) {
		items, total, err := s.dueSoonList(ctx, sc, today, horizon, limit)
		return counted[DueSoon]{items, total}, err
	})
	if err != nil {
		return nil, 0, err
	}
	return r.copy()
}

func (s *Store) dueSoonList(ctx context.Context, sc Scope, today, horizon string, limit int) ([]DueSoon, int, error) {
	if sc.ProjectID == 0 {
		return s.dueSoonPaged(ctx, sc, today, horizon, limit)
	}
	where, args := sc.where()
	var all []any
	q := `SELECT 'reassessment' AS kind, p.id, p.name, a.id, a.cycle, '' AS item, '' AS title, coalesce(a.next_review_at, '') AS due,
			coalesce(a.reassessment_reason, '') AS reason
		FROM assessments a INDEXED BY assessments_review_due` + where + ` AND a.status = 'approved'
			AND (coalesce(a.reassessment_reason, '') <> '' OR a.next_review_at <= ?)
		UNION ALL
		SELECT 'mitigation', p.id, p.name, a.id, a.cycle, x.mitigation_id, x.title, x.due, ''
		FROM mitigations x JOIN assessments a ON a.id = x.assessment_id` + where + ` AND x.due IS NOT NULL AND x.findings > 0
			AND x.status IN ('planned', 'in_progress') AND x.due >= ? AND x.due <= ?
		UNION ALL
		SELECT 'acceptance', p.id, p.name, a.id, a.cycle, x.finding_id, x.title, x.acceptance_expires, ''
		FROM findings x INDEXED BY findings_acceptance_expires JOIN assessments a ON a.id = x.assessment_id` + where + ` AND x.acceptance_expires IS NOT NULL
			AND x.status = 'accepted' AND x.live = 1 AND x.acceptance_expires <= ?`
	all = append(all, args...)
	all = append(all, horizon)
	all = append(all, args...)
	all = append(all, today, horizon)
	all = append(all, args...)
	all = append(all, horizon)
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM ("+q+") LIMIT ?)", append(all[:len(all):len(all)], CountCap)...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count due soon: %w", err)
	}
	out, err := s.dueSoonRows(ctx, "SELECT * FROM ("+q+") ORDER BY reason = '', due, 3, 6 LIMIT ?", append(all, limit)...)
	return out, total, err
}

// dueSoonPaged is the "due soon" list of the whole instance (an administrator) or of a member's
// projects: each of its four parts is read in date order and stops after a page (the ORDER BY's
// later terms sort only the rows sharing a date), from an index that holds only current cycles
// for the instance, from the member's memberships for a member. The instance's total comes
// from the kept counts; a member's is counted over their projects (at most CountCap). Required
// re-assessments come first, as in the scoped list.
func (s *Store) dueSoonPaged(ctx context.Context, sc Scope, today, horizon string, limit int) ([]DueSoon, int, error) {
	// from gives each part's tables: the instance reads the part's own index (in date order),
	// a member starts from their memberships and reads each current cycle's rows.
	from := func(index, table, alias, byAssessment string) (string, []any) {
		if sc.instance() {
			if table == "" {
				return ` FROM assessments a INDEXED BY ` + index + ` JOIN projects p ON p.id = a.project_id WHERE a.current = 1`, nil
			}
			return ` FROM ` + table + ` ` + alias + ` INDEXED BY ` + index + ` JOIN assessments a ON a.id = ` + alias + `.assessment_id AND a.current = 1
				JOIN projects p ON p.id = a.project_id WHERE 1`, nil
		}
		q := ` FROM members m CROSS JOIN projects p ON p.id = m.project_id
			CROSS JOIN assessments a INDEXED BY assessments_project_cycle ON a.project_id = p.id AND a.current = 1`
		if table != "" {
			q += ` CROSS JOIN ` + table + ` ` + alias + ` INDEXED BY ` + byAssessment + ` ON ` + alias + `.assessment_id = a.id`
		}
		return q + ` WHERE m.user_id = ?`, []any{sc.UserID}
	}
	required, rArgs := from("assessments_current_required", "", "", "")
	review, vArgs := from("assessments_current_review", "", "", "")
	mitigations, mArgs := from("mitigations_overdue", "mitigations", "x", "mitigations_assessment_due")
	acceptances, aArgs := from("findings_acceptance_expires", "findings", "x", "findings_assessment_open")
	parts := []struct {
		sel, where, order string
		args              []any
	}{
		{`SELECT 'reassessment' AS kind, p.id, p.name, a.id, a.cycle, '' AS item, '' AS title, coalesce(a.next_review_at, '') AS due,
			a.reassessment_reason AS reason` + required, ` AND a.status = 'approved' AND a.reassessment_reason <> ''`,
			` ORDER BY a.next_review_at, p.name`, rArgs},
		{`SELECT 'reassessment', p.id, p.name, a.id, a.cycle, '', '', a.next_review_at, ''` + review,
			` AND a.status = 'approved' AND a.next_review_at IS NOT NULL AND a.next_review_at <= ? AND coalesce(a.reassessment_reason, '') = ''`,
			` ORDER BY a.next_review_at, p.name`, append(vArgs, horizon)},
		{`SELECT 'mitigation', p.id, p.name, a.id, a.cycle, x.mitigation_id, x.title, x.due, ''` + mitigations,
			` AND x.findings > 0 AND x.due IS NOT NULL AND x.status IN ('planned', 'in_progress') AND x.due >= ? AND x.due <= ?`,
			` ORDER BY x.due, p.name, x.mitigation_id`, append(mArgs, today, horizon)},
		{`SELECT 'acceptance', p.id, p.name, a.id, a.cycle, x.finding_id, x.title, x.acceptance_expires, ''` + acceptances,
			` AND x.acceptance_expires IS NOT NULL AND x.status = 'accepted' AND x.live = 1 AND x.acceptance_expires <= ?`,
			` ORDER BY x.acceptance_expires, p.name, x.finding_id`, append(aArgs, horizon)},
	}
	var page, count []string
	var pageArgs, countArgs []any
	for _, part := range parts {
		page = append(page, `SELECT * FROM (`+part.sel+part.where+part.order+` LIMIT ?)`)
		pageArgs = append(append(pageArgs, part.args...), limit)
		count = append(count, `SELECT 1`+part.sel[strings.Index(part.sel, " FROM "):]+part.where)
		countArgs = append(countArgs, part.args...)
	}
	var total int
	var err error
	if sc.instance() {
		total, err = s.dueSoonTotal(ctx, today, horizon)
	} else {
		err = s.read.QueryRowContext(ctx, "SELECT count(*) FROM ("+strings.Join(count, " UNION ALL ")+" LIMIT ?)",
			append(countArgs, CountCap)...).Scan(&total)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: count due soon: %w", err)
	}
	out, err := s.dueSoonRows(ctx, "SELECT * FROM ("+strings.Join(page, " UNION ALL ")+") ORDER BY reason = '', due, 3, 6 LIMIT ?",
		append(pageArgs, limit)...)
	return out, min(total, CountCap), err
}

func (s *Store) dueSoonRows(ctx context.Context, q string, args ...any) ([]DueSoon, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: due soon: %w", err)
	}
	defer rows.Close()
	var out []DueSoon
	for rows.Next() {
		var d DueSoon
		if err := rows.Scan(&d.Kind, &d.ProjectID, &d.ProjectName, &d.AssessmentID, &d.Cycle, &d.ItemID, &d.Title, &d.Due, &d.Reason); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
