package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/piaf-dev/piaf/assessments"
)

// Decision moves an assessment to a new status: the status change is a revision, and the event
// and its notifications are recorded in the same transaction, so none exists without the others.
type Decision struct {
	AssessmentID int64
	Base         int // the revision the decision was made on
	UserID       int64
	UserEmail    string
	Kind         assessments.ReviewKind
	Status       assessments.Status
	Comment      string
	Summary      string
	Notify       []assessments.Notification
	NextReview   string // YYYY-MM-DD, set on approval: when the assessment is due again
	// Project is the project's description now, recorded with the decision (and hashed with it).
	Project *assessments.ProjectSnapshot
}

// Decide records a decision; ErrConflict when the assessment moved past Base.
func (s *Store) Decide(ctx context.Context, d Decision) (*assessments.Assessment, error) {
	var a *assessments.Assessment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = applyChange(ctx, tx, d.AssessmentID, d.Base, d.UserID, assessments.Change{Status: d.Status, Project: d.Project}, d.Summary, s.stamp())
		if err != nil {
			return err
		}
		if d.Kind == assessments.ReviewApprove {
			if _, err := tx.ExecContext(ctx, "UPDATE assessments SET approved_at = ?, next_review_at = ? WHERE id = ?",
				s.stamp(), d.NextReview, a.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO review_events (assessment_id, kind, user_id, user_email, revision, state_hash, comment, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, string(d.Kind), nullID(d.UserID), d.UserEmail, a.Revision, a.StateHash, d.Comment, s.stamp()); err != nil {
			return fmt.Errorf("store: record review: %w", err)
		}
		if err := notify(ctx, tx, d.Notify, s.stamp()); err != nil {
			return err
		}
		a, err = scanAssessment(tx.QueryRowContext(ctx, "SELECT "+assessmentColumns+" FROM assessments WHERE id = ?", a.ID))
		return err
	})
	return a, err
}

func notify(ctx context.Context, tx *sql.Tx, list []assessments.Notification, now string) error {
	for _, n := range list {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, link, created_at) VALUES (?, ?, ?, ?, ?)`,
			n.UserID, n.Kind, n.Title, n.Link, now); err != nil {
			return fmt.Errorf("store: notify: %w", err)
		}
	}
	return nil
}

// Notify stores notifications outside a decision.
func (s *Store) Notify(ctx context.Context, list []assessments.Notification) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return notify(ctx, tx, list, s.stamp()) })
}

// ReviewEvents lists an assessment's review events, oldest first.
func (s *Store) ReviewEvents(ctx context.Context, assessmentID int64) ([]*assessments.ReviewEvent, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT e.id, e.kind, coalesce(e.user_id, 0), e.user_email, coalesce(u.name, ''), e.revision,
		e.state_hash, e.comment, e.created_at
		FROM review_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.assessment_id = ? ORDER BY e.id`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: review events: %w", err)
	}
	defer rows.Close()
	var out []*assessments.ReviewEvent
	for rows.Next() {
		var e assessments.ReviewEvent
		var kind string
		if err := rows.Scan(&e.ID, &kind, &e.UserID, &e.UserEmail, &e.UserName, &e.Revision, &e.StateHash, &e.Comment, timeCol{&e.CreatedAt}); err != nil {
			return nil, err
		}
		e.Kind = assessments.ReviewKind(kind)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// Notifications lists a user's notifications, newest first.
func (s *Store) Notifications(ctx context.Context, userID int64, limit int) ([]*assessments.Notification, error) {
	list, _, err := s.NotificationPage(ctx, userID, 0, limit)
	return list, err
}

// NotificationPage lists up to limit of a user's notifications whose ids are below before
// (zero: from the newest), newest first, reading the notifications_user_id index from that
// point; older is the before of the next page, zero when there is none.
func (s *Store) NotificationPage(ctx context.Context, userID, before int64, limit int) (list []*assessments.Notification, older int64, err error) {
	if before <= 0 {
		before = math.MaxInt64
	}
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, user_id, kind, title, link, created_at, read_at FROM notifications
		WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, userID, before, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("store: notifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, 0, err
		}
		list = append(list, n)
	}
	if len(list) > limit {
		list = list[:limit]
		older = list[limit-1].ID
	}
	return list, older, rows.Err()
}

// Notification returns one of a user's notifications; ErrNotFound when it is someone else's.
func (s *Store) Notification(ctx context.Context, userID, id int64) (*assessments.Notification, error) {
	n, err := scanNotification(s.read.QueryRowContext(ctx, `SELECT id, user_id, kind, title, link, created_at, read_at
		FROM notifications WHERE user_id = ? AND id = ?`, userID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return n, err
}

func scanNotification(row interface{ Scan(...any) error }) (*assessments.Notification, error) {
	var n assessments.Notification
	if err := row.Scan(&n.ID, &n.UserID, &n.Kind, &n.Title, &n.Link, timeCol{&n.CreatedAt}, nullTimeCol{&n.ReadAt}); err != nil {
		return nil, err
	}
	return &n, nil
}

// UnreadNotifications counts a user's unread notifications.
func (s *Store) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID).Scan(&n)
	return n, err
}

// MarkNotificationsRead marks one notification (or, with id 0, all) of the user as read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID, id int64) error {
	q, args := "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", []any{s.stamp(), userID}
	if id != 0 {
		q += " AND id = ?"
		args = append(args, id)
	}
	_, err := s.write.ExecContext(ctx, q, args...)
	return err
}

// AddComment stores a comment.
func (s *Store) AddComment(ctx context.Context, c assessments.Comment, notifyList []assessments.Notification) (*assessments.Comment, error) {
	c.CreatedAt = s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO comments (assessment_id, target_kind, target_key, author_id, author_email, body, revision, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.AssessmentID, c.TargetKind, c.TargetKey, nullID(c.AuthorID), c.AuthorEmail, c.Body,
			c.Revision, formatTime(c.CreatedAt)).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("store: add comment: %w", err)
		}
		return notify(ctx, tx, notifyList, s.stamp())
	})
	return &c, err
}

// Comments lists an assessment's comments, oldest first; open ones only unless all.
func (s *Store) Comments(ctx context.Context, assessmentID int64, all bool) ([]*assessments.Comment, error) {
	q := `SELECT c.id, c.assessment_id, c.target_kind, c.target_key, coalesce(c.author_id, 0), c.author_email, coalesce(u.name, ''),
		c.body, c.revision, c.created_at, coalesce(c.resolved_email, ''), coalesce(r.name, ''), c.resolved_at
		FROM comments c LEFT JOIN users u ON u.id = c.author_id LEFT JOIN users r ON r.id = c.resolved_by
		WHERE c.assessment_id = ?`
	if !all {
		q += " AND c.resolved_at IS NULL"
	}
	rows, err := s.read.QueryContext(ctx, q+" ORDER BY c.id", assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: comments: %w", err)
	}
	defer rows.Close()
	var out []*assessments.Comment
	for rows.Next() {
		var c assessments.Comment
		if err := rows.Scan(&c.ID, &c.AssessmentID, &c.TargetKind, &c.TargetKey, &c.AuthorID, &c.AuthorEmail, &c.AuthorName, &c.Body, &c.Revision,
			timeCol{&c.CreatedAt}, &c.ResolvedEmail, &c.ResolvedName, nullTimeCol{&c.ResolvedAt}); err != nil {
			return nil, err
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// ResolveComment marks an open comment of the assessment resolved.
func (s *Store) ResolveComment(ctx context.Context, assessmentID, id, userID int64, email string) (*assessments.Comment, error) {
	res, err := s.write.ExecContext(ctx, `UPDATE comments SET resolved_by = ?, resolved_email = ?, resolved_at = ?
		WHERE id = ? AND assessment_id = ? AND resolved_at IS NULL`, userID, email, s.stamp(), id, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: resolve comment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, ErrNotFound
	}
	all, err := s.Comments(ctx, assessmentID, true)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, ErrNotFound
}

// Setting returns an instance setting, or def when unset.
func (s *Store) Setting(ctx context.Context, key, def string) (string, error) {
	var v string
	err := s.read.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	return v, err
}

// SetSetting stores an instance setting.
func (s *Store) SetSetting(ctx context.Context, key, value string, by int64) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		key, value, nullID(by), s.stamp())
	return err
}

// MarkNotificationsReadByLink marks read the user's notifications that point at link exactly.
func (s *Store) MarkNotificationsReadByLink(ctx context.Context, userID int64, link string) error {
	_, err := s.write.ExecContext(ctx, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL AND link = ?",
		s.stamp(), userID, link)
	return err
}
