package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// LinkPurpose says what a one-time link is for.
type LinkPurpose string

const (
	// LinkSetup creates the first admin of a new instance.
	LinkSetup LinkPurpose = "setup"
	// LinkInvite lets an invited user choose their password.
	LinkInvite LinkPurpose = "invite"
	// LinkReset lets a user choose a new password after an admin reset it.
	LinkReset LinkPurpose = "reset"
)

// MaxLifetime is the longest a link of this purpose works, whatever its creator asks: an
// invitation may wait for its reader for a week, but a password reset link grants an existing
// account, so it expires within hours. Zero means no cap (the setup link, printed once to the
// server log of a new instance).
func (p LinkPurpose) MaxLifetime() time.Duration {
	switch p {
	case LinkInvite:
		return 7 * 24 * time.Hour
	case LinkReset:
		return 4 * time.Hour
	}
	return 0
}

// Link is a valid, unused one-time link.
type Link struct {
	Purpose   LinkPurpose
	UserID    int64 // zero for setup links
	ExpiresAt time.Time
}

// CreateLink stores a new one-time link and returns its secret token. Earlier unused links of the
// same purpose and user are withdrawn so only the newest works.
func (s *Store) CreateLink(ctx context.Context, purpose LinkPurpose, userID int64, ttl time.Duration) (string, error) {
	if limit := purpose.MaxLifetime(); limit > 0 && ttl > limit {
		ttl = limit
	}
	token := newSecret()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var user any
		if userID != 0 {
			user = userID
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_tokens WHERE purpose = ? AND user_id IS ? AND used_at IS NULL`,
			string(purpose), user); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_tokens (token_hash, purpose, user_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, hashSecret(token), string(purpose), user, s.stamp(), formatTime(s.now().Add(ttl)))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: create link: %w", err)
	}
	return token, nil
}

// Link returns the link for a token if it exists, is unused and has not expired.
func (s *Store) Link(ctx context.Context, token string) (*Link, error) {
	return link(ctx, s.read, token, s.now())
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func link(ctx context.Context, q queryer, token string, now time.Time) (*Link, error) {
	var l Link
	var purpose string
	var user sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT purpose, user_id, expires_at FROM user_tokens
		WHERE token_hash = ? AND used_at IS NULL`, hashSecret(token)).Scan(&purpose, &user, timeCol{&l.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: link: %w", err)
	}
	l.Purpose, l.UserID = LinkPurpose(purpose), user.Int64
	if !now.Before(l.ExpiresAt) {
		return nil, ErrNotFound
	}
	return &l, nil
}

// CompleteSetup uses the setup link to create the first admin. It fails with ErrNotFound when
// the link is invalid or someone else finished setup first.
func (s *Store) CompleteSetup(ctx context.Context, token string, n NewUser) (*assessments.User, error) {
	var u *assessments.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		l, err := link(ctx, tx, token, s.now())
		if err != nil {
			return err
		}
		if l.Purpose != LinkSetup {
			return ErrNotFound
		}
		var users int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&users); err != nil {
			return err
		}
		if users > 0 {
			return ErrNotFound
		}
		if err := useLink(ctx, tx, token, s.stamp()); err != nil {
			return err
		}
		n.IsAdmin = true
		u, err = createUser(ctx, tx, n, s.stamp())
		return err
	})
	return u, err
}

// RedeemPasswordLink uses an invite or reset link to set the user's password.
func (s *Store) RedeemPasswordLink(ctx context.Context, token, passwordHash string) (*assessments.User, error) {
	var userID int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		l, err := link(ctx, tx, token, s.now())
		if err != nil {
			return err
		}
		if l.Purpose == LinkSetup {
			return ErrNotFound
		}
		userID = l.UserID
		// A disabled account stays disabled: its links open nothing.
		var disabled bool
		if err := tx.QueryRowContext(ctx, "SELECT disabled_at IS NOT NULL FROM users WHERE id = ?", l.UserID).Scan(&disabled); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return fmt.Errorf("store: redeem link: %w", err)
		}
		if disabled {
			return ErrNotFound
		}
		if err := useLink(ctx, tx, token, s.stamp()); err != nil {
			return err
		}
		return setPassword(ctx, tx, l.UserID, passwordHash, s.stamp())
	})
	if err != nil {
		return nil, err
	}
	return s.User(ctx, userID)
}

func useLink(ctx context.Context, tx *sql.Tx, token, now string) error {
	res, err := tx.ExecContext(ctx, "UPDATE user_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", now, hashSecret(token))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
