package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// Channels a user may turn off.
const (
	ChannelInApp = "inapp"
	ChannelEmail = "email"
)

// UserChannels tells which channels the user receives reminders on; all are on by default.
func (s *Store) UserChannels(ctx context.Context, userID int64) (map[string]bool, error) {
	out := map[string]bool{ChannelInApp: true, ChannelEmail: true}
	rows, err := s.read.QueryContext(ctx, "SELECT channel, enabled FROM user_channels WHERE user_id = ?", userID)
	if err != nil {
		return nil, fmt.Errorf("store: channels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ch string
		var on bool
		if err := rows.Scan(&ch, &on); err != nil {
			return nil, err
		}
		out[ch] = on
	}
	return out, rows.Err()
}

// SetUserChannels stores the user's choices.
func (s *Store) SetUserChannels(ctx context.Context, userID int64, choices map[string]bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for ch, on := range choices {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_channels (user_id, channel, enabled) VALUES (?, ?, ?)
				ON CONFLICT (user_id, channel) DO UPDATE SET enabled = excluded.enabled`, userID, ch, boolInt(on)); err != nil {
				return fmt.Errorf("store: set channels: %w", err)
			}
		}
		return nil
	})
}

// NewCalendarFeed gives the user a new secret feed token, replacing any earlier one.
func (s *Store) NewCalendarFeed(ctx context.Context, userID int64) (string, error) {
	token := newSecret()
	_, err := s.write.ExecContext(ctx, `INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
		userID, hashSecret(token), s.stamp())
	if err != nil {
		return "", fmt.Errorf("store: calendar feed: %w", err)
	}
	return token, nil
}

// CalendarFeedCreated tells when the user's feed was made; nil when they have none.
func (s *Store) CalendarFeedCreated(ctx context.Context, userID int64) (*time.Time, error) {
	var t time.Time
	err := s.read.QueryRowContext(ctx, "SELECT created_at FROM calendar_feeds WHERE user_id = ?", userID).Scan(timeCol{&t})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// UserForCalendarFeed returns the user a feed token belongs to.
func (s *Store) UserForCalendarFeed(ctx context.Context, token string) (*assessments.User, error) {
	var id int64
	err := s.read.QueryRowContext(ctx, "SELECT user_id FROM calendar_feeds WHERE token_hash = ?", hashSecret(token)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.User(ctx, id)
}

// CreateWebhook adds a webhook.
func (s *Store) CreateWebhook(ctx context.Context, projectID int64, url string, by int64) (*assessments.Webhook, error) {
	w := &assessments.Webhook{ProjectID: projectID, URL: url, Secret: newSecret(), Active: true, CreatedAt: s.now()}
	err := s.write.QueryRowContext(ctx, `INSERT INTO webhooks (project_id, url, secret, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		nullID(projectID), url, w.Secret, nullID(by), formatTime(w.CreatedAt)).Scan(&w.ID)
	if err != nil {
		return nil, fmt.Errorf("store: create webhook: %w", err)
	}
	return w, nil
}

// Webhooks lists the webhooks of a project, or with projectID zero those of the instance.
func (s *Store) Webhooks(ctx context.Context, projectID int64) ([]*assessments.Webhook, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, coalesce(project_id, 0), url, secret, active, created_at FROM webhooks
		WHERE project_id IS ? ORDER BY id`, nullID(projectID))
	if err != nil {
		return nil, fmt.Errorf("store: webhooks: %w", err)
	}
	defer rows.Close()
	var out []*assessments.Webhook
	for rows.Next() {
		var w assessments.Webhook
		if err := rows.Scan(&w.ID, &w.ProjectID, &w.URL, &w.Secret, &w.Active, timeCol{&w.CreatedAt}); err != nil {
			return nil, err
		}
		out = append(out, &w)
	}
	return out, rows.Err()
}

// Webhook returns one webhook.
func (s *Store) Webhook(ctx context.Context, id int64) (*assessments.Webhook, error) {
	var w assessments.Webhook
	err := s.read.QueryRowContext(ctx, `SELECT id, coalesce(project_id, 0), url, secret, active, created_at FROM webhooks WHERE id = ?`, id).
		Scan(&w.ID, &w.ProjectID, &w.URL, &w.Secret, &w.Active, timeCol{&w.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &w, nil
}

// DeleteWebhook removes a webhook of a project (or of the instance, with projectID zero).
func (s *Store) DeleteWebhook(ctx context.Context, projectID, id int64) error {
	res, err := s.write.ExecContext(ctx, "DELETE FROM webhooks WHERE id = ? AND project_id IS ?", id, nullID(projectID))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// LogWebhookDelivery records an attempt.
func (s *Store) LogWebhookDelivery(ctx context.Context, webhookID int64, d assessments.WebhookDelivery) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, outbox_key, attempt, status, error, duration_ms, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, webhookID, d.OutboxKey, d.Attempt, d.Status, d.Error, d.Duration.Milliseconds(), formatTime(d.At))
	return err
}

// WebhookDeliveries lists a webhook's latest delivery attempts, newest first.
func (s *Store) WebhookDeliveries(ctx context.Context, webhookID int64, limit int) ([]assessments.WebhookDelivery, error) {
	list, _, err := s.WebhookDeliveryPage(ctx, webhookID, 0, limit)
	return list, err
}

// MaxDeliveriesPage bounds the delivery attempts read in one page.
const MaxDeliveriesPage = 200

// WebhookDeliveryPage lists up to limit (at most MaxDeliveriesPage) of a webhook's delivery
// attempts logged before the attempt before (zero: from the newest), newest first, and when
// older attempts remain, the id to ask for them with (zero: none). It reads by the index on
// (webhook_id, id), so a page costs the same however many attempts are logged.
func (s *Store) WebhookDeliveryPage(ctx context.Context, webhookID, before int64, limit int) (list []assessments.WebhookDelivery, older int64, err error) {
	limit = min(max(limit, 1), MaxDeliveriesPage)
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, outbox_key, attempt, status, error, duration_ms, at FROM webhook_deliveries
		WHERE webhook_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, webhookID, before, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("store: webhook deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d assessments.WebhookDelivery
		var ms int64
		if err := rows.Scan(&d.ID, &d.OutboxKey, &d.Attempt, &d.Status, &d.Error, &ms, timeCol{&d.At}); err != nil {
			return nil, 0, err
		}
		d.Duration = time.Duration(ms) * time.Millisecond
		list = append(list, d)
	}
	if len(list) > limit {
		list = list[:limit]
		older = list[limit-1].ID
	}
	return list, older, rows.Err()
}
