package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/piaf-dev/piaf/assessments"
)

// CarryComments copies the open comments of assessment from into assessment to (the next cycle),
// at revision 1, keeping author, text and time and pointing at the original. keep decides which
// comments still have a target in the new cycle (a question it shows or asks, a finding it
// carried); the others are returned as listed, for the new cycle's first page to show, and stay
// open on the old cycle.
func (s *Store) CarryComments(ctx context.Context, from, to int64, keep func(*assessments.Comment) bool) (carried, listed []*assessments.Comment, err error) {
	open, err := s.Comments(ctx, from, false)
	if err != nil {
		return nil, nil, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range open {
			if !keep(c) {
				listed = append(listed, c)
				continue
			}
			n := *c
			n.AssessmentID, n.Revision = to, 1
			if err := tx.QueryRowContext(ctx, `INSERT INTO comments (assessment_id, target_kind, target_key, author_id, author_email, body,
				revision, created_at, carried_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, to, c.TargetKind, c.TargetKey,
				nullID(c.AuthorID), c.AuthorEmail, c.Body, 1, formatTime(c.CreatedAt), c.ID).Scan(&n.ID); err != nil {
				return fmt.Errorf("store: carry comment: %w", err)
			}
			carried = append(carried, &n)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return carried, listed, nil
}

// ContentAuthorship reads an assessment's revisions and says who authored its content under
// review (see assessments.ContentAuthors), for the separation-of-duties rule.
func (s *Store) ContentAuthorship(ctx context.Context, assessmentID int64) (assessments.Authorship, error) {
	revs, err := s.Revisions(ctx, assessmentID, 0)
	if err != nil {
		return assessments.Authorship{}, err
	}
	changes := make([]assessments.AuthoredChange, len(revs))
	for i, r := range revs {
		changes[i] = assessments.AuthoredChange{Number: r.Number, Author: r.AuthorID, Change: r.Change}
	}
	return assessments.ContentAuthors(changes), nil
}

// MaxPage bounds every paginated list.
const MaxPage = 200

func clampLimit(limit int) int {
	switch {
	case limit <= 0:
		return 50
	case limit > MaxPage:
		return MaxPage
	}
	return limit
}

// RevisionHeads pages an assessment's revisions newest first without their changes: those
// numbered below before (all when before is 0), at most limit (1 to MaxPage). more tells whether
// older revisions remain. A revision that changes the status is a milestone.
func (s *Store) RevisionHeads(ctx context.Context, assessmentID int64, before, limit int) (heads []assessments.RevisionHead, more bool, err error) {
	limit = clampLimit(limit)
	if before <= 0 {
		before = int(^uint(0) >> 1)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT r.number, coalesce(r.author_id, 0), coalesce(nullif(u.name, ''), u.email, ''), r.created_at, r.summary,
		json_extract(r.changes, '$.status') IS NOT NULL
		FROM revisions r LEFT JOIN users u ON u.id = r.author_id
		WHERE r.assessment_id = ? AND r.number < ? ORDER BY r.number DESC LIMIT ?`, assessmentID, before, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("store: revision heads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h assessments.RevisionHead
		if err := rows.Scan(&h.Number, &h.Author, &h.AuthorName, timeCol{&h.At}, &h.Summary, &h.Milestone); err != nil {
			return nil, false, fmt.Errorf("store: scan revision head: %w", err)
		}
		heads = append(heads, h)
	}
	if len(heads) > limit {
		heads, more = heads[:limit], true
	}
	return heads, more, rows.Err()
}

// LastApproved lists, for every active project, its latest approved cycle, even while a newer
// cycle is in progress: its next review date and calendar event stay until the new cycle is
// approved. (ApprovedDue lists it only while it is the latest cycle.)
func (s *Store) LastApproved(ctx context.Context) ([]*assessments.Assessment, error) {
	return s.assessmentList(ctx, "store: last approved assessments", `SELECT `+assessmentColumns+` FROM assessments WHERE id IN (
		SELECT a.id FROM assessments a JOIN projects p ON p.id = a.project_id
		WHERE p.archived_at IS NULL AND a.status = 'approved'
		AND a.cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = a.project_id AND x.status = 'approved')) ORDER BY id`)
}
