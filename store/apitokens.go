package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// TokenPrefix starts every API token, so a leaked one is easy to recognise in logs and scanners.
const TokenPrefix = "piaf_"

// CreateAPIToken makes a token for the user and returns it with its secret.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name string) (*assessments.APIToken, string, error) {
	secret := TokenPrefix + newSecret()
	t := &assessments.APIToken{UserID: userID, Name: name, Prefix: secret[:len(TokenPrefix)+6], CreatedAt: s.now()}
	err := s.write.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, userID, name, hashSecret(secret), t.Prefix, formatTime(t.CreatedAt)).Scan(&t.ID)
	if err != nil {
		return nil, "", fmt.Errorf("store: create token: %w", err)
	}
	return t, secret, nil
}

// APITokens lists a user's personal tokens, newest first, revoked ones included.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]*assessments.APIToken, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = ? AND scope = 'personal' ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	defer rows.Close()
	var tokens []*assessments.APIToken
	for rows.Next() {
		var t assessments.APIToken
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, timeCol{&t.CreatedAt}, nullTimeCol{&t.LastUsedAt}, nullTimeCol{&t.RevokedAt}); err != nil {
			return nil, fmt.Errorf("store: scan token: %w", err)
		}
		t.Scope = ScopePersonal
		tokens = append(tokens, &t)
	}
	return tokens, rows.Err()
}

// RevokeAPIToken stops one of the user's tokens from working.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, tokenID int64) error {
	res, err := s.write.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND scope = 'personal' AND revoked_at IS NULL",
		s.stamp(), tokenID, userID)
	if err != nil {
		return fmt.Errorf("store: revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// UserForAPIToken returns the user a live token acts for, and records its use.
func (s *Store) UserForAPIToken(ctx context.Context, secret string) (*assessments.User, error) {
	_, u, err := s.TokenForSecret(ctx, secret)
	return u, err
}

// TokenForSecret returns a live (not revoked, not expired) token and the user it acts for, and
// records its use.
func (s *Store) TokenForSecret(ctx context.Context, secret string) (*assessments.APIToken, *assessments.User, error) {
	var t assessments.APIToken
	err := s.read.QueryRowContext(ctx, `SELECT id, user_id, name, prefix, created_at, last_used_at, scope, coalesce(project_id, 0), expires_at
		FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`, hashSecret(secret)).
		Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, timeCol{&t.CreatedAt}, nullTimeCol{&t.LastUsedAt}, &t.Scope, &t.ProjectID, nullTimeCol{&t.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: token: %w", err)
	}
	if t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt) {
		return nil, nil, ErrNotFound
	}
	if last := t.LastUsedAt; last == nil || s.now().Sub(*last) > time.Minute {
		if _, err := s.write.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", s.stamp(), t.ID); err != nil {
			return nil, nil, fmt.Errorf("store: touch token: %w", err)
		}
	}
	u, err := s.User(ctx, t.UserID)
	if err != nil {
		return nil, nil, err
	}
	return &t, u, nil
}
