package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// OutboxItem is one reminder on one channel, queued for delivery.
type OutboxItem struct {
	Key       string
	Channel   string // "inapp", "email", "webhook"
	UserID    int64  // for inapp and email
	WebhookID int64  // for webhook
	Kind      string
	Subject   string
	Body      string
	Link      string
	Payload   string // JSON for webhooks
	Attempts  int
}

// Enqueue adds items to the outbox unless their key is there already; it returns how many were
// new. Computing the same reminder twice, or in two passes at once, queues it once.
func (s *Store) Enqueue(ctx context.Context, items []OutboxItem) (int, error) {
	added := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.stamp()
		for _, it := range items {
			res, err := tx.ExecContext(ctx, `INSERT INTO outbox (key, channel, user_id, webhook_id, kind, subject, body, link, payload, next_attempt_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
				it.Key, it.Channel, nullID(it.UserID), nullID(it.WebhookID), it.Kind, it.Subject, it.Body, it.Link, orEmptyJSON(it.Payload), now, now)
			if err != nil {
				return fmt.Errorf("store: enqueue: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				added++
			}
		}
		return nil
	})
	return added, err
}

func orEmptyJSON(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}

// Claim takes up to limit due items for delivery by worker. An item claimed longer than lease ago
// is taken back: the worker that claimed it died before it could say how delivery went.
func (s *Store) Claim(ctx context.Context, worker string, lease time.Duration, limit int) ([]*OutboxItem, error) {
	var out []*OutboxItem
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET status = 'sending', claimed_at = ?, claimed_by = ?, attempts = attempts + 1
			WHERE key IN (SELECT key FROM outbox WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_at <= ?)
				ORDER BY next_attempt_at, key LIMIT ?)
			RETURNING key, channel, coalesce(user_id, 0), coalesce(webhook_id, 0), kind, subject, body, link, payload, attempts`,
			formatTime(now), worker, formatTime(now), formatTime(now.Add(-lease)), limit)
		if err != nil {
			return fmt.Errorf("store: claim: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var it OutboxItem
			if err := rows.Scan(&it.Key, &it.Channel, &it.UserID, &it.WebhookID, &it.Kind, &it.Subject, &it.Body, &it.Link, &it.Payload, &it.Attempts); err != nil {
				return err
			}
			out = append(out, &it)
		}
		return rows.Err()
	})
	return out, err
}

// ClaimKeys claims the given items if they are due and unclaimed, for delivery right after they
// were queued.
func (s *Store) ClaimKeys(ctx context.Context, worker string, keys []string) ([]*OutboxItem, error) {
	var out []*OutboxItem
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := formatTime(s.now())
		for _, k := range keys {
			var it OutboxItem
			err := tx.QueryRowContext(ctx, `UPDATE outbox SET status = 'sending', claimed_at = ?, claimed_by = ?, attempts = attempts + 1
				WHERE key = ? AND status = 'pending' AND next_attempt_at <= ?
				RETURNING key, channel, coalesce(user_id, 0), coalesce(webhook_id, 0), kind, subject, body, link, payload, attempts`,
				now, worker, k, now).Scan(&it.Key, &it.Channel, &it.UserID, &it.WebhookID, &it.Kind, &it.Subject, &it.Body, &it.Link, &it.Payload, &it.Attempts)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store: claim: %w", err)
			}
			out = append(out, &it)
		}
		return nil
	})
	return out, err
}

// Delivered marks a claimed item sent. For in-app items the notification is written in the same
// transaction, so it exists exactly once.
func (s *Store) Delivered(ctx context.Context, it *OutboxItem, worker string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, last_error = '' WHERE key = ? AND status = 'sending' AND claimed_by = ?`,
			s.stamp(), it.Key, worker)
		if err != nil {
			return fmt.Errorf("store: delivered: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict // another worker took it back; it will not be marked twice
		}
		if it.Channel == "inapp" {
			return notify(ctx, tx, []assessments.Notification{{UserID: it.UserID, Kind: it.Kind, Title: it.Subject, Link: it.Link}}, s.stamp())
		}
		return nil
	})
}

// Failed records a failed attempt: retried after backoff, or given up after maxAttempts.
func (s *Store) Failed(ctx context.Context, it *OutboxItem, worker string, reason string, retryAt time.Time, maxAttempts int) error {
	status := "pending"
	if it.Attempts >= maxAttempts {
		status = "failed"
	}
	_, err := s.write.ExecContext(ctx, `UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ?, claimed_at = NULL, claimed_by = NULL
		WHERE key = ? AND status = 'sending' AND claimed_by = ?`, status, formatTime(retryAt), reason, it.Key, worker)
	return err
}

// OutboxCounts counts the outbox by status, for the admin page and metrics.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT status, count(*) FROM outbox GROUP BY status")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// OutboxItems lists the outbox items in one status, oldest first.
func (s *Store) OutboxItems(ctx context.Context, status string) ([]*OutboxItem, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT key, channel, coalesce(user_id, 0), coalesce(webhook_id, 0), kind, subject, body, link, payload, attempts
		FROM outbox WHERE status = ? ORDER BY created_at, key`, status)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*OutboxItem
	for rows.Next() {
		var it OutboxItem
		if err := rows.Scan(&it.Key, &it.Channel, &it.UserID, &it.WebhookID, &it.Kind, &it.Subject, &it.Body, &it.Link, &it.Payload, &it.Attempts); err != nil {
			return nil, err
		}
		out = append(out, &it)
	}
	return out, rows.Err()
}

// OutboxKnown tells which of the keys are in the outbox already.
func (s *Store) OutboxKnown(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	list, _ := json.Marshal(keys)
	rows, err := s.read.QueryContext(ctx, "SELECT key FROM outbox WHERE key IN (SELECT value FROM json_each(?))", string(list))
	if err != nil {
		return nil, fmt.Errorf("store: outbox keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}
