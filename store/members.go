package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/piaf-dev/piaf/assessments"
)

// ErrLastOwner refuses a change that would leave a project without an owner.
var ErrLastOwner = errors.New("store: a project needs at least one owner")

// Role returns a user's role in a project, ErrNotFound for non-members.
func (s *Store) Role(ctx context.Context, projectID, userID int64) (assessments.Role, error) {
	var r string
	err := s.read.QueryRowContext(ctx, "SELECT role FROM members WHERE project_id = ? AND user_id = ?", projectID, userID).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: role: %w", err)
	}
	return assessments.Role(r), nil
}

// Members lists a project's members, owners first.
func (s *Store) Members(ctx context.Context, projectID int64) ([]*assessments.Member, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT m.project_id, m.user_id, u.email, u.name, m.role, m.added_at
		FROM members m JOIN users u ON u.id = m.user_id WHERE m.project_id = ?
		ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'assessor' THEN 1 WHEN 'reviewer' THEN 2 ELSE 3 END, u.email`, projectID)
	if err != nil {
		return nil, fmt.Errorf("store: members: %w", err)
	}
	defer rows.Close()
	var out []*assessments.Member
	for rows.Next() {
		var m assessments.Member
		var role string
		if err := rows.Scan(&m.ProjectID, &m.UserID, &m.Email, &m.Name, &role, timeCol{&m.AddedAt}); err != nil {
			return nil, fmt.Errorf("store: scan member: %w", err)
		}
		m.Role = assessments.Role(role)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// SetMember adds a user to a project or changes their role. Demoting the last owner is refused.
func (s *Store) SetMember(ctx context.Context, projectID, userID int64, role assessments.Role) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := keepAnOwner(ctx, tx, projectID, userID, role); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO members (project_id, user_id, role, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role`, projectID, userID, string(role), s.stamp())
		if err != nil {
			return fmt.Errorf("store: set member: %w", err)
		}
		return nil
	})
}

// RemoveMember takes a user out of a project. Removing the last owner is refused.
func (s *Store) RemoveMember(ctx context.Context, projectID, userID int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := keepAnOwner(ctx, tx, projectID, userID, ""); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM members WHERE project_id = ? AND user_id = ?", projectID, userID)
		if err != nil {
			return fmt.Errorf("store: remove member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// keepAnOwner fails when giving userID the new role (empty: removing them) leaves no owner.
func keepAnOwner(ctx context.Context, tx *sql.Tx, projectID, userID int64, role assessments.Role) error {
	if role == assessments.RoleOwner {
		return nil
	}
	var others int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM members WHERE project_id = ? AND role = 'owner' AND user_id <> ?",
		projectID, userID).Scan(&others)
	if err != nil {
		return err
	}
	var isOwner int
	err = tx.QueryRowContext(ctx, "SELECT count(*) FROM members WHERE project_id = ? AND role = 'owner' AND user_id = ?",
		projectID, userID).Scan(&isOwner)
	if err != nil {
		return err
	}
	if isOwner > 0 && others == 0 {
		return ErrLastOwner
	}
	return nil
}
