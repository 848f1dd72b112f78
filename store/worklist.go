package store

import (
	"context"
	"fmt"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// WorkItem is one thing waiting for a person, in the latest cycle of an active project.
type WorkItem struct {
	Kind         string `json:"kind"` // "review", "mitigation", "changes_requested", "review_due", "acceptance_due"
	ProjectID    int64  `json:"project_id"`
	ProjectName  string `json:"project_name"`
	AssessmentID int64  `json:"assessment_id"`
	Cycle        int    `json:"cycle"`
	ItemID       string `json:"item_id,omitempty"` // mitigation or finding id
	Title        string `json:"title"`
	Status       string `json:"status"`
	Due          string `json:"due,omitempty"` // YYYY-MM-DD: due date, expiry, next review, or the day it was submitted
}

// Worklist is what waits for one person across their projects.
type Worklist struct {
	AwaitingReview   []WorkItem `json:"awaiting_review"`   // in review, in projects they review
	Mitigations      []WorkItem `json:"mitigations"`       // theirs, not done, by due date (undated last)
	ChangesRequested []WorkItem `json:"changes_requested"` // in projects they own or assess
	ReviewsDue       []WorkItem `json:"reviews_due"`       // approved, next review by the horizon, in projects they own
	AcceptancesDue   []WorkItem `json:"acceptances_due"`   // accepted risks expiring by the horizon, in projects they own or review
}

// latestActive follows a join of assessments as a: the latest cycle of each active project the
// user is a member of with one of the roles.
// fromMemberships reads the latest cycles of the active projects the user (the first argument)
// belongs to, starting from their memberships, so that the work is the size of their projects,
// not of the instance (an administrator who belongs to none reads nothing).
const fromMemberships = ` FROM members mb CROSS JOIN projects p ON p.id = mb.project_id AND p.archived_at IS NULL
	CROSS JOIN assessments a ON a.project_id = p.id
	WHERE mb.user_id = ? AND a.cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = a.project_id)`

// acceptancesDueQuery lists accepted risks expiring by a horizon in the latest cycles of the
// projects a user owns or reviews (arguments: user, horizon, limit). It starts from the user's
// memberships and reads each assessment's accepted findings through findings_assessment_open,
// instead of every accepted finding of the instance.
const acceptancesDueQuery = `SELECT 'acceptance_due', p.id, p.name, a.id, a.cycle, f.finding_id, f.title, f.status, f.acceptance_expires
	FROM members mb CROSS JOIN projects p ON p.id = mb.project_id AND p.archived_at IS NULL
	CROSS JOIN assessments a ON a.project_id = p.id
	CROSS JOIN findings f INDEXED BY findings_assessment_open ON f.assessment_id = a.id
	WHERE mb.user_id = ? AND mb.role IN ('owner', 'reviewer')
	AND a.cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = a.project_id)
	AND f.live = 1 AND f.status = 'accepted' AND f.acceptance_expires IS NOT NULL AND f.acceptance_expires <= ?
	ORDER BY f.acceptance_expires, p.name LIMIT ?`

const latestActive = ` JOIN projects p ON p.id = a.project_id AND p.archived_at IS NULL
	JOIN members mb ON mb.project_id = p.id AND mb.user_id = ?
	WHERE a.cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = a.project_id)`

// Worklist gathers a user's work. horizon (YYYY-MM-DD) bounds what is "coming due"; each list
// holds at most limit items (1 to MaxPage), soonest first.
func (s *Store) Worklist(ctx context.Context, userID int64, horizon string, limit int) (*Worklist, error) {
	if _, err := time.Parse(time.DateOnly, horizon); err != nil {
		return nil, fmt.Errorf("store: worklist horizon %q: %w", horizon, err)
	}
	limit = clampLimit(limit)
	w := &Worklist{}
	queries := []struct {
		dst  *[]WorkItem
		q    string
		args []any
	}{
		{&w.AwaitingReview, `SELECT 'review', p.id, p.name, a.id, a.cycle, '', p.name, a.status,
			coalesce((SELECT substr(max(e.created_at), 1, 10) FROM review_events e WHERE e.assessment_id = a.id AND e.kind = 'submit'), '')
			` + fromMemberships + ` AND mb.role = 'reviewer' AND a.status = 'in_review' ORDER BY 9, a.id LIMIT ?`,
			[]any{userID, limit}},
		{&w.Mitigations, `SELECT 'mitigation', p.id, p.name, a.id, a.cycle, mi.mitigation_id, mi.title, mi.status, coalesce(mi.due, '')
			FROM mitigations mi JOIN assessments a ON a.id = mi.assessment_id` + latestActive + ` AND mi.owner_id = ?
			AND mi.findings > 0 AND mi.status IN ('planned', 'in_progress') ORDER BY mi.due IS NULL, mi.due, p.name, mi.title LIMIT ?`,
			[]any{userID, userID, limit}},
		{&w.ChangesRequested, `SELECT 'changes_requested', p.id, p.name, a.id, a.cycle, '', p.name, a.status, substr(a.updated_at, 1, 10)
			` + fromMemberships + ` AND mb.role IN ('owner', 'assessor') AND a.status = 'changes_requested' ORDER BY a.updated_at, a.id LIMIT ?`,
			[]any{userID, limit}},
		{&w.ReviewsDue, `SELECT 'review_due', p.id, p.name, a.id, a.cycle, '', p.name, a.status, a.next_review_at
			` + fromMemberships + ` AND mb.role = 'owner' AND a.status = 'approved' AND a.next_review_at IS NOT NULL
			AND a.next_review_at <= ? ORDER BY a.next_review_at, a.id LIMIT ?`,
			[]any{userID, horizon, limit}},
		{&w.AcceptancesDue, acceptancesDueQuery,
			[]any{userID, horizon, limit}},
	}
	for _, q := range queries {
		items, err := s.workItems(ctx, q.q, q.args...)
		if err != nil {
			return nil, err
		}
		*q.dst = items
	}
	return w, nil
}

func (s *Store) workItems(ctx context.Context, q string, args ...any) ([]WorkItem, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: worklist: %w", err)
	}
	defer rows.Close()
	out := []WorkItem{}
	for rows.Next() {
		var it WorkItem
		if err := rows.Scan(&it.Kind, &it.ProjectID, &it.ProjectName, &it.AssessmentID, &it.Cycle, &it.ItemID, &it.Title, &it.Status, &it.Due); err != nil {
			return nil, fmt.Errorf("store: scan work item: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// MitigationFilter narrows the cross-project mitigation register; zero fields select all.
type MitigationFilter struct {
	ProjectID int64
	OwnerID   int64
	Status    string // planned, in_progress, implemented, verified; "open" for the first two
	DueBefore string // YYYY-MM-DD, exclusive: with today's date, the overdue ones
	Linked    bool   // only mitigations linked to a live finding
}

// RegisterRow is one mitigation of the register: as it stands now, with the status it had in
// the assessment's state (as approved, once approved) and when tracking last moved it.
type RegisterRow struct {
	ProjectID      int64      `json:"project_id"`
	ProjectName    string     `json:"project_name"`
	AssessmentID   int64      `json:"assessment_id"`
	Cycle          int        `json:"cycle"`
	Approved       bool       `json:"approved"`
	MitigationID   string     `json:"mitigation_id"`
	Title          string     `json:"title"`
	OwnerID        int64      `json:"owner_id,omitempty"`
	OwnerName      string     `json:"owner_name,omitempty"`
	Status         string     `json:"status"`
	ApprovedStatus string     `json:"approved_status"`
	Due            string     `json:"due,omitempty"`
	TrackedAt      *time.Time `json:"tracked_at,omitempty"`
	Findings       int        `json:"findings"`
}

// MitigationRegister lists the mitigations of the latest cycles in scope, by due date (undated
// last), with the total that match, one page at a time (limit 1 to MaxPage).
func (s *Store) MitigationRegister(ctx context.Context, sc Scope, f MitigationFilter, limit, offset int) ([]RegisterRow, int, error) {
	where, args := sc.where()
	from := ` FROM mitigations mi JOIN assessments a ON a.id = mi.assessment_id LEFT JOIN users u ON u.id = mi.owner_id` + where
	if f.ProjectID != 0 {
		from += ` AND p.id = ?`
		args = append(args, f.ProjectID)
	}
	if f.OwnerID != 0 {
		from += ` AND mi.owner_id = ?`
		args = append(args, f.OwnerID)
	}
	switch f.Status {
	case "":
	case "open":
		from += ` AND mi.status IN ('planned', 'in_progress')`
	default:
		from += ` AND mi.status = ?`
		args = append(args, f.Status)
	}
	if f.DueBefore != "" {
		from += ` AND mi.due IS NOT NULL AND mi.due < ?`
		args = append(args, f.DueBefore)
	}
	if f.Linked {
		from += ` AND mi.findings > 0`
	}
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count mitigations: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT p.id, p.name, a.id, a.cycle, a.status = 'approved', mi.mitigation_id, mi.title,
		coalesce(mi.owner_id, 0), coalesce(nullif(u.name, ''), u.email, ''), mi.status, coalesce(mi.approved_status, mi.status),
		coalesce(mi.due, ''), mi.tracked_at, mi.findings`+from+` ORDER BY mi.due IS NULL, mi.due, p.name, mi.title, mi.mitigation_id
		LIMIT ? OFFSET ?`, append(args, clampLimit(limit), max(offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: mitigations: %w", err)
	}
	defer rows.Close()
	out := []RegisterRow{}
	for rows.Next() {
		var r RegisterRow
		if err := rows.Scan(&r.ProjectID, &r.ProjectName, &r.AssessmentID, &r.Cycle, &r.Approved, &r.MitigationID, &r.Title,
			&r.OwnerID, &r.OwnerName, &r.Status, &r.ApprovedStatus, &r.Due, nullTimeCol{&r.TrackedAt}, &r.Findings); err != nil {
			return nil, 0, fmt.Errorf("store: scan mitigation: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// ProjectedRisks lists live findings whose lower residual risk rests only on planned or
// in-progress mitigations, at their evidenced (inherent) level, gravest first, with the total.
func (s *Store) ProjectedRisks(ctx context.Context, sc Scope, limit int) ([]assessments.OpenRisk, int, error) {
	where, args := sc.where()
	from := ` FROM findings f JOIN assessments a ON a.id = f.assessment_id` + where + ` AND f.live = 1 AND f.projected = 1`
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count projected risks: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT p.id, p.name, a.id, f.finding_id, f.title, coalesce(f.evidenced_level, f.inherent_level)`+from+
		` ORDER BY 6 DESC, p.name, f.title LIMIT ?`, append(args, clampLimit(limit))...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: projected risks: %w", err)
	}
	defer rows.Close()
	out := []assessments.OpenRisk{}
	for rows.Next() {
		var r assessments.OpenRisk
		if err := rows.Scan(&r.ProjectID, &r.ProjectName, &r.AssessmentID, &r.FindingID, &r.Title, &r.Level); err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}
