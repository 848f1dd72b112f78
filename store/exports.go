package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/piaf-dev/piaf/assessments"
)

// RecordExport stores an export and its audit entry in one transaction.
func (s *Store) RecordExport(ctx context.Context, e assessments.Export, userID int64, audit AuditEvent) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO exports (assessment_id, revision, state_hash, format, sha256, size, user_id, user_email, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.AssessmentID, e.Revision, e.StateHash, e.Format, e.SHA256, e.Size, nullID(userID), e.UserEmail, s.stamp()); err != nil {
			return fmt.Errorf("store: record export: %w", err)
		}
		return s.AuditTx(ctx, tx, audit)
	})
}

// ExportBySHA256 finds a recorded export by the SHA-256 of its file.
func (s *Store) ExportBySHA256(ctx context.Context, sum string) (*assessments.Export, error) {
	var e assessments.Export
	err := s.read.QueryRowContext(ctx, `SELECT id, assessment_id, revision, state_hash, format, sha256, size, user_email, created_at
		FROM exports WHERE sha256 = ? ORDER BY id LIMIT 1`, sum).Scan(&e.ID, &e.AssessmentID, &e.Revision, &e.StateHash, &e.Format,
		&e.SHA256, &e.Size, &e.UserEmail, timeCol{&e.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: export: %w", err)
	}
	return &e, nil
}

// Exports lists an assessment's latest 100 exports, newest first.
func (s *Store) Exports(ctx context.Context, assessmentID int64) ([]*assessments.Export, error) {
	list, _, err := s.ExportPage(ctx, assessmentID, 0, 100)
	return list, err
}

// ExportPage lists up to limit of an assessment's exports whose ids are below before (zero:
// from the newest), newest first, reading the exports_assessment index from that point; older
// is the before of the next page, zero when there is none.
func (s *Store) ExportPage(ctx context.Context, assessmentID, before int64, limit int) (list []*assessments.Export, older int64, err error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	if limit <= 0 {
		limit = 20
	}
	rows, err := s.read.QueryContext(ctx, `SELECT e.id, e.assessment_id, e.revision, e.state_hash, e.format, e.sha256, e.size, e.user_email,
		coalesce(u.name, ''), e.created_at
		FROM exports e LEFT JOIN users u ON u.id = e.user_id WHERE e.assessment_id = ? AND e.id < ? ORDER BY e.id DESC LIMIT ?`,
		assessmentID, before, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("store: exports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e assessments.Export
		if err := rows.Scan(&e.ID, &e.AssessmentID, &e.Revision, &e.StateHash, &e.Format, &e.SHA256, &e.Size, &e.UserEmail, &e.UserName, timeCol{&e.CreatedAt}); err != nil {
			return nil, 0, err
		}
		list = append(list, &e)
	}
	if len(list) > limit {
		list = list[:limit]
		older = list[limit-1].ID
	}
	return list, older, rows.Err()
}

// RevisionByHash finds which assessment revision has this state hash, if this instance knows it.
func (s *Store) RevisionByHash(ctx context.Context, hash string) (assessmentID int64, number int, err error) {
	err = s.read.QueryRowContext(ctx, "SELECT assessment_id, number FROM revisions WHERE state_hash = ? ORDER BY assessment_id, number LIMIT 1", hash).
		Scan(&assessmentID, &number)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, ErrNotFound
	}
	return assessmentID, number, err
}
