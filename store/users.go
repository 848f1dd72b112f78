package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
)

const userColumns = "id, email, name, password_hash, is_admin, disabled_at, created_at"

func scanUser(row interface{ Scan(...any) error }) (*assessments.User, error) {
	var u assessments.User
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.IsAdmin, nullTimeCol{&u.DisabledAt}, timeCol{&u.CreatedAt}); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("store: scan user: %w", err)
	}
	return &u, nil
}

// NewUser is what it takes to create an account.
type NewUser struct {
	Email        string
	Name         string
	PasswordHash string
	IsAdmin      bool
}

// CreateUser adds an account; ErrUnique when the email is taken.
func (s *Store) CreateUser(ctx context.Context, n NewUser) (*assessments.User, error) {
	var u *assessments.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = createUser(ctx, tx, n, s.stamp())
		return err
	})
	return u, err
}

func createUser(ctx context.Context, tx *sql.Tx, n NewUser, now string) (*assessments.User, error) {
	row := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, is_admin, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING `+userColumns,
		strings.TrimSpace(n.Email), strings.TrimSpace(n.Name), n.PasswordHash, boolInt(n.IsAdmin), now, now)
	u, err := scanUser(row)
	if isUniqueViolation(err) {
		return nil, ErrUnique
	}
	return u, err
}

// User returns the account with this id.
func (s *Store) User(ctx context.Context, id int64) (*assessments.User, error) {
	return scanUser(s.read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// UserByEmail returns the account with this email, ignoring case.
func (s *Store) UserByEmail(ctx context.Context, email string) (*assessments.User, error) {
	return scanUser(s.read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE email = ?", strings.TrimSpace(email)))
}

// Users lists every account, by email.
func (s *Store) Users(ctx context.Context) ([]*assessments.User, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY email")
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	var users []*assessments.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// CountUsers counts accounts; zero means the instance still needs its first admin.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n)
	return n, err
}

// CountActiveAdmins counts admins who can still sign in.
func (s *Store) CountActiveAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE is_admin = 1 AND disabled_at IS NULL").Scan(&n)
	return n, err
}

// SetPassword replaces a user's password hash and ends all their sessions, so a reset locks out
// whoever knew the old password.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return setPassword(ctx, tx, userID, hash, s.stamp())
	})
}

func setPassword(ctx context.Context, tx *sql.Tx, userID int64, hash, now string) error {
	res, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash, now, userID)
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	// A new password ends everything the old one let in: sessions, pending invitation and reset
	// links (a link mailed before the change must not undo it), and API tokens, which a stolen
	// password could have been used to create.
	if _, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("store: set password: end sessions: %w", err)
	}
	if _, err = tx.ExecContext(ctx, "UPDATE user_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL", now, userID); err != nil {
		return fmt.Errorf("store: set password: void links: %w", err)
	}
	if _, err = tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", now, userID); err != nil {
		return fmt.Errorf("store: set password: revoke API tokens: %w", err)
	}
	return nil
}

// UpdateUser changes name and admin flag.
func (s *Store) UpdateUser(ctx context.Context, userID int64, name string, isAdmin bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE users SET name = ?, is_admin = ?, updated_at = ? WHERE id = ?",
			strings.TrimSpace(name), boolInt(isAdmin), s.stamp(), userID)
		if err != nil {
			return fmt.Errorf("store: update user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// SetDisabled disables or re-enables an account. Disabling ends its sessions and revokes nothing
// else: its API tokens stop working because the account check runs on every request.
func (s *Store) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var at any
		if disabled {
			at = s.stamp()
		}
		res, err := tx.ExecContext(ctx, "UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?", at, s.stamp(), userID)
		if err != nil {
			return fmt.Errorf("store: disable user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if disabled {
			_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
		}
		return err
	})
}
