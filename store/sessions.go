package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SessionPolicy bounds how long a session lives.
type SessionPolicy struct {
	Idle     time.Duration // ends after this long without a request
	Absolute time.Duration // ends this long after sign-in, however active
}

// Session is a signed-in browser.
type Session struct {
	UserID    int64
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// CreateSession starts a session for the user and returns the secret cookie value.
func (s *Store) CreateSession(ctx context.Context, userID int64, p SessionPolicy, clientAddr, userAgent string) (string, error) {
	token := newSecret()
	now := s.now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, client_addr, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hashSecret(token), userID, formatTime(now), formatTime(now),
			formatTime(now.Add(p.Absolute)), clientAddr, userAgent)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: create session: %w", err)
	}
	return token, nil
}

// Session returns the live session for a cookie value and records the request, which keeps an
// idle session alive. Expired sessions are ErrNotFound and are deleted.
func (s *Store) Session(ctx context.Context, token string, p SessionPolicy) (*Session, error) {
	var sess Session
	err := s.read.QueryRowContext(ctx, `SELECT user_id, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ?`,
		hashSecret(token)).Scan(&sess.UserID, timeCol{&sess.CreatedAt}, timeCol{&sess.LastSeen}, timeCol{&sess.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeen) >= p.Idle {
		s.DeleteSession(ctx, token)
		return nil, ErrNotFound
	}
	// Writing on every request would serialise all reads behind the writer; a minute's precision
	// is plenty for an idle timeout measured in hours.
	if now.Sub(sess.LastSeen) > time.Minute {
		_, err := s.write.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", formatTime(now), hashSecret(token))
		if err != nil {
			return nil, fmt.Errorf("store: touch session: %w", err)
		}
		sess.LastSeen = now
	}
	return &sess, nil
}

// DeleteSession ends a session (sign-out).
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	_, err := s.write.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = ?", hashSecret(token))
	return err
}

// CountOpenSessions counts sessions that have not expired.
func (s *Store) CountOpenSessions(ctx context.Context, p SessionPolicy) (int, error) {
	now := s.now()
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM sessions WHERE expires_at > ? AND last_seen_at > ?",
		formatTime(now), formatTime(now.Add(-p.Idle))).Scan(&n)
	return n, err
}

// DeleteExpiredSessions removes sessions past either limit.
func (s *Store) DeleteExpiredSessions(ctx context.Context, p SessionPolicy) error {
	now := s.now()
	_, err := s.write.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
		formatTime(now), formatTime(now.Add(-p.Idle)))
	return err
}
