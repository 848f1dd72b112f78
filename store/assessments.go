package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/piaf-dev/piaf/assessments"
)

const assessmentColumns = `id, project_id, cycle, questionnaire_key, questionnaire_version, status, revision, state,
	state_hash, created_at, updated_at, approved_at, coalesce(next_review_at, ''), coalesce(reassessment_reason, ''), reassessment_since`

func scanAssessment(row interface{ Scan(...any) error }) (*assessments.Assessment, error) {
	var a assessments.Assessment
	var state, status string
	err := row.Scan(&a.ID, &a.ProjectID, &a.Cycle, &a.QuestionnaireKey, &a.QuestionnaireVersion, &status, &a.Revision,
		&state, &a.StateHash, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, nullTimeCol{&a.ApprovedAt}, &a.NextReviewAt, &a.ReassessmentReason, nullTimeCol{&a.ReassessmentSince})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: scan assessment: %w", err)
	}
	if err := json.Unmarshal([]byte(state), &a.State); err != nil {
		return nil, fmt.Errorf("store: assessment %d state: %w", a.ID, err)
	}
	a.Status = assessments.Status(status)
	return &a, nil
}

// ErrOpenAssessment refuses a new cycle while the project has one that is not approved.
var ErrOpenAssessment = errors.New("store: the project has an assessment in progress")

// NewAssessment is what it takes to start an assessment.
type NewAssessment struct {
	ProjectID int64
	State     assessments.State // questionnaire, and answers carried over from an earlier cycle
	Author    int64
	Summary   string
}

// CreateAssessment starts the project's next cycle with its first revision.
func (s *Store) CreateAssessment(ctx context.Context, n NewAssessment) (*assessments.Assessment, error) {
	var a *assessments.Assessment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var open, cycle int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE status <> 'approved'), coalesce(max(cycle), 0)
			FROM assessments WHERE project_id = ?`, n.ProjectID).Scan(&open, &cycle); err != nil {
			return err
		}
		if open > 0 {
			return ErrOpenAssessment
		}
		n.State.Status = assessments.Draft
		state := n.State.Apply(assessments.Change{}) // fills empty maps, so the hash is of the stored form
		change := assessments.Diff(assessments.State{}, state)
		now := s.stamp()
		var err error
		a, err = scanAssessment(tx.QueryRowContext(ctx, `INSERT INTO assessments (project_id, cycle, questionnaire_key,
			questionnaire_version, status, revision, state, state_hash, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'draft', 1, ?, ?, ?, ?, ?) RETURNING `+assessmentColumns,
			n.ProjectID, cycle+1, state.Questionnaire, state.QuestionnaireVersion, string(state.Canonical()), state.Hash(),
			nullID(n.Author), now, now))
		if err != nil {
			return err
		}
		if err := insertRevision(ctx, tx, a.ID, 1, n.Author, now, n.Summary, change, state.Hash()); err != nil {
			return err
		}
		if err := writeCheckpoint(ctx, tx, a.ID, 1, state); err != nil {
			return err
		}
		return project(ctx, tx, a.ID, state)
	})
	return a, err
}

func insertRevision(ctx context.Context, tx *sql.Tx, assessmentID int64, number int, author int64, now, summary string, c assessments.Change, hash string) error {
	changes, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var parent any
	if number > 1 {
		parent = number - 1
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO revisions (assessment_id, number, parent, author_id, created_at, summary, changes, state_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, assessmentID, number, parent, nullID(author), now, summary, string(changes), hash)
	if err != nil {
		return fmt.Errorf("store: append revision: %w", err)
	}
	return nil
}

// Assessment returns one assessment.
func (s *Store) Assessment(ctx context.Context, id int64) (*assessments.Assessment, error) {
	return scanAssessment(s.read.QueryRowContext(ctx, "SELECT "+assessmentColumns+" FROM assessments WHERE id = ?", id))
}

// Assessments lists a project's assessments, newest cycle first.
func (s *Store) Assessments(ctx context.Context, projectID int64) ([]*assessments.Assessment, error) {
	return s.assessmentList(ctx, "store: assessments", "SELECT "+assessmentColumns+" FROM assessments WHERE project_id = ? ORDER BY cycle DESC", projectID)
}

// assessmentList runs a query selecting assessmentColumns and scans every row; what names the
// list in errors.
func (s *Store) assessmentList(ctx context.Context, what, query string, args ...any) ([]*assessments.Assessment, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []*assessments.Assessment
	for rows.Next() {
		a, err := scanAssessment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ApplyChange appends a revision with the change if the assessment is still at revision base,
// and updates the current state in the same transaction. ErrConflict when someone else saved in
// between; an empty change appends nothing.
func (s *Store) ApplyChange(ctx context.Context, id int64, base int, author int64, c assessments.Change, summary string) (*assessments.Assessment, error) {
	var a *assessments.Assessment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = applyChange(ctx, tx, id, base, author, c, summary, s.stamp())
		return err
	})
	return a, err
}

func applyChange(ctx context.Context, tx *sql.Tx, id int64, base int, author int64, c assessments.Change, summary, now string) (*assessments.Assessment, error) {
	a, err := scanAssessment(tx.QueryRowContext(ctx, "SELECT "+assessmentColumns+" FROM assessments WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	if a.Revision != base {
		return nil, ErrConflict
	}
	if c.Empty() {
		return a, nil
	}
	state := a.State.Apply(c)
	next := a.Revision + 1
	canonical, hash := state.CanonicalHash()
	if err := insertRevision(ctx, tx, id, next, author, now, summary, c, hash); err != nil {
		return nil, err
	}
	if err := writeCheckpoint(ctx, tx, id, next, state); err != nil {
		return nil, err
	}
	a, err = scanAssessment(tx.QueryRowContext(ctx, `UPDATE assessments SET status = ?, revision = ?, state = ?,
		state_hash = ?, updated_at = ? WHERE id = ? RETURNING `+assessmentColumns,
		string(state.Status), next, string(canonical), hash, now, id))
	if err != nil {
		return nil, err
	}
	if len(c.Findings) == 0 && len(c.Mitigations) == 0 {
		return a, nil // the projections hold findings and mitigations only: unchanged
	}
	return a, project(ctx, tx, id, state)
}

// Revisions lists an assessment's revisions after number since, oldest first.
func (s *Store) Revisions(ctx context.Context, assessmentID int64, since int) ([]*assessments.Revision, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT r.number, coalesce(r.parent, 0), coalesce(r.author_id, 0), coalesce(u.email, ''),
		coalesce(u.name, ''), r.created_at, r.summary, r.changes, r.state_hash
		FROM revisions r LEFT JOIN users u ON u.id = r.author_id
		WHERE r.assessment_id = ? AND r.number > ? ORDER BY r.number`, assessmentID, since)
	if err != nil {
		return nil, fmt.Errorf("store: revisions: %w", err)
	}
	defer rows.Close()
	var out []*assessments.Revision
	for rows.Next() {
		var r assessments.Revision
		var changes string
		if err := rows.Scan(&r.Number, &r.Parent, &r.AuthorID, &r.AuthorEmail, &r.AuthorName, timeCol{&r.CreatedAt}, &r.Summary, &changes, &r.StateHash); err != nil {
			return nil, fmt.Errorf("store: scan revision: %w", err)
		}
		if err := json.Unmarshal([]byte(changes), &r.Change); err != nil {
			return nil, fmt.Errorf("store: revision %d changes: %w", r.Number, err)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// nullID stores a zero user id (piaf itself, e.g. a scheduled change) as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// project rebuilds the relational projections of an assessment's findings and mitigations.
func project(ctx context.Context, tx *sql.Tx, id int64, s assessments.State) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM findings WHERE assessment_id = ?", id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM mitigations WHERE assessment_id = ?", id); err != nil {
		return err
	}
	linked := map[string]int{}
	for _, f := range s.Findings {
		var expires any
		if f.Acceptance != nil {
			expires = f.Acceptance.Expires
		}
		e := assessments.EffectiveResidual(s, f)
		if _, err := tx.ExecContext(ctx, `INSERT INTO findings (assessment_id, finding_id, title, category, inherent_level,
			residual_level, status, live, acceptance_expires, evidenced_level, projected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, f.ID, f.Title, f.Category, int(f.InherentLevel()), int(f.ResidualLevel()), string(f.Status), boolInt(f.Live()), expires,
			int(e.Level), boolInt(e.Projected)); err != nil {
			return fmt.Errorf("store: project finding: %w", err)
		}
		if f.Live() {
			for _, m := range f.Mitigations {
				linked[m]++
			}
		}
	}
	for _, m := range s.Mitigations {
		var due any
		if m.Due != "" {
			due = m.Due
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mitigations (assessment_id, mitigation_id, title, owner_id, due, status, findings, approved_status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, m.ID, m.Title, nullID(m.Owner), due, string(m.Status), linked[m.ID], string(m.Status)); err != nil {
			return fmt.Errorf("store: project mitigation: %w", err)
		}
	}
	return overlayTracking(ctx, tx, id, s)
}

// RevisionBytes sums the stored content of an assessment's revisions after number since.
func (s *Store) RevisionBytes(ctx context.Context, assessmentID int64, since int) (int64, error) {
	var n int64
	err := s.read.QueryRowContext(ctx, `SELECT coalesce(sum(length(changes) + length(summary) + length(state_hash) + length(created_at)), 0)
		FROM revisions WHERE assessment_id = ? AND number > ?`, assessmentID, since).Scan(&n)
	return n, err
}

// SetNextReview changes the date an approved assessment is due for review.
func (s *Store) SetNextReview(ctx context.Context, id int64, date string) error {
	res, err := s.write.ExecContext(ctx, "UPDATE assessments SET next_review_at = ? WHERE id = ? AND status = 'approved'", date, id)
	if err != nil {
		return fmt.Errorf("store: set next review: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RequireReassessment marks the project's approved latest cycle as needing re-assessment, keeping
// the first reason until a new cycle starts, and returns it (nil when there is none to mark).
func (s *Store) RequireReassessment(ctx context.Context, projectID int64, reason string) (*assessments.Assessment, error) {
	var a *assessments.Assessment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = scanAssessment(tx.QueryRowContext(ctx, `SELECT `+assessmentColumns+` FROM assessments WHERE project_id = ?
			ORDER BY cycle DESC LIMIT 1`, projectID))
		if errors.Is(err, ErrNotFound) || (err == nil && a.Status != assessments.Approved) {
			a = nil
			return nil
		}
		if err != nil {
			return err
		}
		if a.ReassessmentReason != "" {
			return nil
		}
		now := s.now()
		_, err = tx.ExecContext(ctx, "UPDATE assessments SET reassessment_reason = ?, reassessment_since = ? WHERE id = ?", reason, formatTime(now), a.ID)
		if err == nil {
			a.ReassessmentReason, a.ReassessmentSince = reason, &now
		}
		return err
	})
	return a, err
}

// ApprovedDue lists the latest approved cycle of every active project, for reminders.
func (s *Store) ApprovedDue(ctx context.Context) ([]*assessments.Assessment, error) {
	return s.assessmentList(ctx, "store: approved assessments", `SELECT `+assessmentColumns+` FROM assessments WHERE id IN (
		SELECT a.id FROM assessments a JOIN projects p ON p.id = a.project_id
		WHERE p.archived_at IS NULL AND a.status = 'approved'
		AND a.cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = a.project_id)) ORDER BY id`)
}
