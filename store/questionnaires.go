package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/piaf-dev/piaf/assessments"
)

// EnsureQuestionnaire stores a built-in questionnaire version unless that version is stored
// already. It reports whether the stored source differs from src: a built-in changed without a
// new version number, which piaf refuses to apply to running assessments.
func (s *Store) EnsureQuestionnaire(ctx context.Context, key string, version int, title string, src []byte) (differs bool, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var stored []byte
		err := tx.QueryRowContext(ctx, "SELECT source FROM questionnaires WHERE key = ? AND version = ?", key, version).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.ExecContext(ctx, `INSERT INTO questionnaires (key, version, title, source, builtin, imported_at)
				VALUES (?, ?, ?, ?, 1, ?)`, key, version, title, src, s.stamp())
			return err
		}
		if err != nil {
			return err
		}
		differs = string(stored) != string(src)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: ensure questionnaire: %w", err)
	}
	return differs, nil
}

// ImportQuestionnaire stores an admin's questionnaire version; ErrUnique if that key and
// version exist.
func (s *Store) ImportQuestionnaire(ctx context.Context, key string, version int, title string, src []byte, by int64) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO questionnaires (key, version, title, source, builtin, imported_by, imported_at)
		VALUES (?, ?, ?, ?, 0, ?, ?)`, key, version, title, src, by, s.stamp())
	if isUniqueViolation(err) {
		return ErrUnique
	}
	if err != nil {
		return fmt.Errorf("store: import questionnaire: %w", err)
	}
	return nil
}

// Questionnaires lists every stored version, by key and version.
func (s *Store) Questionnaires(ctx context.Context) ([]*assessments.QuestionnaireSource, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT key, version, title, source, builtin, coalesce(imported_by, 0), imported_at
		FROM questionnaires ORDER BY key, version`)
	if err != nil {
		return nil, fmt.Errorf("store: questionnaires: %w", err)
	}
	defer rows.Close()
	var out []*assessments.QuestionnaireSource
	for rows.Next() {
		var q assessments.QuestionnaireSource
		if err := rows.Scan(&q.Key, &q.Version, &q.Title, &q.Source, &q.Builtin, &q.ImportedBy, timeCol{&q.ImportedAt}); err != nil {
			return nil, fmt.Errorf("store: scan questionnaire: %w", err)
		}
		out = append(out, &q)
	}
	return out, rows.Err()
}
