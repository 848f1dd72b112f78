package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LoginFailures counts failed sign-ins since a time, for the account and for the client address.
func (s *Store) LoginFailures(ctx context.Context, email, clientAddr string, since time.Time) (byEmail, byAddr int, err error) {
	err = s.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM login_failures WHERE email = ? AND at > ?),
		(SELECT count(*) FROM login_failures WHERE client_addr = ? AND at > ?)`,
		email, formatTime(since), clientAddr, formatTime(since)).Scan(&byEmail, &byAddr)
	if err != nil {
		err = fmt.Errorf("store: login failures: %w", err)
	}
	return byEmail, byAddr, err
}

// RecordLoginFailure notes a failed sign-in and forgets failures older than a day.
func (s *Store) RecordLoginFailure(ctx context.Context, email, clientAddr string) error {
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO login_failures (email, client_addr, at) VALUES (?, ?, ?)",
			email, clientAddr, formatTime(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE at < ?", formatTime(now.Add(-24*time.Hour)))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: record login failure: %w", err)
	}
	return nil
}

// ClearLoginFailures forgets an account's failures after a successful sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, email string) error {
	_, err := s.write.ExecContext(ctx, "DELETE FROM login_failures WHERE email = ?", email)
	return err
}
