package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/remind"
	"github.com/piaf-dev/piaf/assessments/workflow/deliver"
	"github.com/piaf-dev/piaf/store"
)

const (
	SettingReviewPolicy = "review_policy"
	SettingSMTP         = "smtp"

	// A claim older than this was left by a crashed pass. It is longer than a batch can take
	// (outboxBatch items at the 30 s a send may last), so a slow pass is never overtaken.
	outboxLease       = 30 * time.Minute
	outboxBatch       = 20
	outboxMaxAttempts = 8
)

// RemindReport says what one reminder pass did.
type RemindReport struct {
	Due    int      // reminders due at the time of the pass
	Queued int      // of which newly queued (the others were queued by earlier passes)
	Sent   int      // outbox items delivered
	Failed int      // outbox items that failed (and will be retried unless out of attempts)
	Lines  []string // with a dry run: what would be sent
}

// ReviewPolicy is the admin's policy, or the default.
func (s *Service) ReviewPolicy(ctx context.Context) (remind.Policy, error) {
	raw, err := s.store.Setting(ctx, SettingReviewPolicy, "")
	if err != nil || raw == "" {
		return remind.DefaultPolicy(), err
	}
	var p remind.Policy
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return remind.Policy{}, fmt.Errorf("stored review policy: %w", err)
	}
	return p, nil
}

// SMTPConfig is the mail server to use: the environment's when set (it wins), else the one an
// admin stored, else none.
func (s *Service) SMTPConfig(ctx context.Context) (*deliver.SMTPConfig, error) {
	if s.cfg.SMTP != nil {
		return s.cfg.SMTP, nil
	}
	raw, err := s.store.Setting(ctx, SettingSMTP, "")
	if err != nil || raw == "" {
		return nil, err
	}
	var c deliver.SMTPConfig
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, fmt.Errorf("stored SMTP settings: %w", err)
	}
	if c.Host == "" {
		return nil, nil
	}
	return &c, nil
}

// ReminderItems gathers everything with a due date: reviews of approved assessments, open
// mitigations and expiring acceptances, in the latest cycle of active projects.
func (s *Service) ReminderItems(ctx context.Context) ([]remind.Item, map[string]int64, error) {
	admins, err := s.store.AdminIDs(ctx)
	if err != nil {
		return nil, nil, err
	}
	owners := map[int64][]int64{}
	ownersOf := func(projectID int64) ([]int64, error) {
		if o, ok := owners[projectID]; ok {
			return o, nil
		}
		ms, err := s.MembersWith(ctx, projectID, assessments.RoleOwner)
		if err != nil {
			return nil, err
		}
		o := MemberIDs(ms)
		owners[projectID] = o
		return o, nil
	}
	project := map[string]int64{} // item ref to project, for webhooks
	var items []remind.Item
	approved, err := s.store.LastApproved(ctx) // review dates stay while a new cycle is open
	if err != nil {
		return nil, nil, err
	}
	for _, a := range approved {
		due, err := time.Parse(time.DateOnly, a.NextReviewAt)
		if err != nil {
			continue // approved before review dates existed, or set by hand wrongly: nothing to remind
		}
		p, err := s.store.Project(ctx, a.ProjectID)
		if err != nil {
			return nil, nil, err
		}
		o, err := ownersOf(a.ProjectID)
		if err != nil {
			return nil, nil, err
		}
		it := remind.Item{Kind: remind.KindReview, Ref: remind.ReviewRef(a.ID), Title: fmt.Sprintf("%s (cycle %d)", p.Name, a.Cycle),
			Link: s.absURL(AssessmentPath(a.ID)), Due: due, Recipients: o, Owners: o, Admins: admins}
		items = append(items, it)
		project[it.Ref] = a.ProjectID
	}
	dueItems, err := s.store.DueItems(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range dueItems {
		due, err := time.Parse(time.DateOnly, d.Due)
		if err != nil {
			continue
		}
		o, err := ownersOf(d.ProjectID)
		if err != nil {
			return nil, nil, err
		}
		it := remind.Item{Kind: d.Kind, Title: d.Title + " (" + d.ProjectName + ")", Due: due, Owners: o, Admins: admins}
		switch d.Kind {
		case remind.KindMitigation:
			it.Ref = remind.MitigationRef(d.AssessmentID, d.ItemID)
			it.Link = s.absURL(AssessmentPath(d.AssessmentID) + "/risks")
			it.Recipients = []int64{d.OwnerID}
			if d.OwnerID == 0 {
				it.Recipients = o // nobody owns it: its project's owners hear of it
			}
		case remind.KindAcceptance:
			it.Ref = remind.AcceptanceRef(d.AssessmentID, d.ItemID)
			it.Link = s.absURL(AssessmentPath(d.AssessmentID) + "/findings/" + d.ItemID)
			it.Recipients = o
		}
		items = append(items, it)
		project[it.Ref] = d.ProjectID
	}
	return items, project, nil
}

// RemindOnce runs one reminder pass as of now: it queues the reminders due (each once, whatever
// other passes do) and delivers what is queued. A dry run only says what it would send.
func (s *Service) RemindOnce(ctx context.Context, now time.Time, dryRun bool) (RemindReport, error) {
	var rep RemindReport
	queue, due, err := s.reminderQueue(ctx, now)
	if err != nil {
		return rep, err
	}
	rep.Due = due
	if dryRun {
		keys := make([]string, len(queue))
		for i, q := range queue {
			keys[i] = q.Key
		}
		known, err := s.store.OutboxKnown(ctx, keys)
		if err != nil {
			return rep, err
		}
		for _, q := range queue {
			if !known[q.Key] {
				rep.Lines = append(rep.Lines, s.describe(ctx, q))
				rep.Queued++
			}
		}
		return rep, nil
	}
	if rep.Queued, err = s.store.Enqueue(ctx, queue); err != nil {
		return rep, err
	}
	rep.Sent, rep.Failed, err = s.deliverOutbox(ctx)
	return rep, err
}

// ReminderQueue is what a pass at now would queue, without queueing it.
func (s *Service) ReminderQueue(ctx context.Context, now time.Time) ([]store.OutboxItem, error) {
	queue, _, err := s.reminderQueue(ctx, now)
	return queue, err
}

func (s *Service) reminderQueue(ctx context.Context, now time.Time) ([]store.OutboxItem, int, error) {
	policy, err := s.ReviewPolicy(ctx)
	if err != nil {
		return nil, 0, err
	}
	items, projectOf, err := s.ReminderItems(ctx)
	if err != nil {
		return nil, 0, err
	}
	due := remind.Due(items, now, policy)
	queue, err := s.outboxFor(ctx, due, projectOf)
	return queue, len(due), err
}

// outboxFor turns reminders into outbox items: one per user and channel they want, and one per
// webhook of the item's project or of the instance.
func (s *Service) outboxFor(ctx context.Context, due []remind.Reminder, projectOf map[string]int64) ([]store.OutboxItem, error) {
	smtp, err := s.SMTPConfig(ctx)
	if err != nil {
		return nil, err
	}
	prefs := map[int64]map[string]bool{}
	var out []store.OutboxItem
	hooked := map[string]bool{}
	for _, r := range due {
		subject, body := remind.Summary(r)
		if prefs[r.UserID] == nil {
			if prefs[r.UserID], err = s.store.UserChannels(ctx, r.UserID); err != nil {
				return nil, err
			}
		}
		base := store.OutboxItem{UserID: r.UserID, Kind: "reminder." + r.Item.Kind, Subject: subject, Body: body, Link: r.Item.Link}
		if prefs[r.UserID][store.ChannelInApp] {
			it := base
			it.Key, it.Channel = r.Key+"|inapp", "inapp"
			it.Link = relative(s.cfg.BaseURL, r.Item.Link)
			out = append(out, it)
		}
		if smtp != nil && prefs[r.UserID][store.ChannelEmail] {
			it := base
			it.Key, it.Channel = r.Key+"|email", "email"
			out = append(out, it)
		}
		// Webhooks hear of each stage of an item once, not once per person reminded.
		event := r.Item.Kind + "|" + r.Item.Ref + "|" + r.Item.Due.Format(time.DateOnly) + "|" + r.Stage
		if hooked[event] {
			continue
		}
		hooked[event] = true
		hooks, err := s.webhooksFor(ctx, projectOf[r.Item.Ref])
		if err != nil {
			return nil, err
		}
		payload, _ := json.Marshal(map[string]any{"kind": r.Item.Kind, "stage": r.Stage, "ref": r.Item.Ref, "title": r.Item.Title,
			"due": r.Item.Due.Format(time.DateOnly), "due_in_days": r.DueIn, "link": r.Item.Link, "project_id": projectOf[r.Item.Ref],
			"subject": subject})
		for _, h := range hooks {
			out = append(out, store.OutboxItem{Key: event + "|webhook:" + strconv.FormatInt(h.ID, 10), Channel: "webhook", WebhookID: h.ID,
				Kind: "reminder." + r.Item.Kind, Subject: subject, Body: body, Link: r.Item.Link, Payload: string(payload)})
		}
	}
	return out, nil
}

// webhooksFor lists the active webhooks that hear of a project's reminders: its own and the
// instance's.
func (s *Service) webhooksFor(ctx context.Context, projectID int64) ([]*assessments.Webhook, error) {
	scopes := []int64{0}
	if projectID != 0 {
		scopes = append(scopes, projectID)
	}
	var out []*assessments.Webhook
	for _, id := range scopes {
		hooks, err := s.store.Webhooks(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, h := range hooks {
			if h.Active {
				out = append(out, h)
			}
		}
	}
	return out, nil
}

func (s *Service) describe(ctx context.Context, q store.OutboxItem) string {
	to := "webhook " + strconv.FormatInt(q.WebhookID, 10)
	if q.UserID != 0 {
		if u, err := s.store.User(ctx, q.UserID); err == nil {
			to = u.Email
		}
	}
	return fmt.Sprintf("%-7s to %s: %s", q.Channel, to, q.Subject)
}

// deliverOutbox sends everything due in the outbox, each item claimed first so that concurrent
// passes never send the same one.
func (s *Service) deliverOutbox(ctx context.Context) (sent, failed int, err error) {
	worker := workerID()
	mailer, err := s.mailer(ctx)
	if err != nil {
		return 0, 0, err
	}
	for {
		batch, err := s.store.Claim(ctx, worker, outboxLease, outboxBatch)
		if err != nil || len(batch) == 0 {
			return sent, failed, err
		}
		n, f, err := s.deliverBatch(ctx, mailer, worker, batch)
		sent, failed = sent+n, failed+f
		if err != nil {
			return sent, failed, err
		}
	}
}

// DeliverKeys sends just the given queued items, for messages that should not wait for the
// next pass.
func (s *Service) DeliverKeys(ctx context.Context, keys []string) error {
	worker := workerID()
	mailer, err := s.mailer(ctx)
	if err != nil {
		return err
	}
	batch, err := s.store.ClaimKeys(ctx, worker, keys)
	if err != nil {
		return err
	}
	_, _, err = s.deliverBatch(ctx, mailer, worker, batch)
	return err
}

func (s *Service) mailer(ctx context.Context) (*deliver.Mailer, error) {
	smtp, err := s.SMTPConfig(ctx)
	if err != nil || smtp == nil {
		return nil, err
	}
	return deliver.NewMailer(*smtp), nil
}

// deliverBatch sends claimed items and records how each went, even when ctx ends meanwhile:
// an item sent must be marked sent.
func (s *Service) deliverBatch(ctx context.Context, mailer *deliver.Mailer, worker string, batch []*store.OutboxItem) (sent, failed int, err error) {
	record := context.WithoutCancel(ctx)
	for _, it := range batch {
		marked := false
		// markSent records the item sent the moment the receiver has accepted it (see
		// deliver.Mailer.SendAccepted), which keeps the window for a duplicate after a crash as
		// small as the protocols allow.
		markSent := func() {
			if err := s.store.Delivered(record, it, worker); err != nil && !errors.Is(err, store.ErrConflict) {
				s.log.Error("outbox: mark sent", "key", it.Key, "err", err)
				return
			}
			marked = true
		}
		if err := s.deliverOne(ctx, mailer, it, markSent); err != nil {
			failed++
			s.log.Warn("reminder delivery failed", "key", it.Key, "channel", it.Channel, "attempt", it.Attempts, "err", err)
			// Retries wait real time, whatever moment the pass evaluated due dates at.
			retry := s.now().Add(time.Duration(1<<min(it.Attempts, 6)) * time.Minute)
			attempts := outboxMaxAttempts
			if deliver.Permanent(err) {
				attempts = it.Attempts
			}
			if err := s.store.Failed(record, it, worker, err.Error(), retry, attempts); err != nil {
				return sent, failed, err
			}
			continue
		}
		if !marked {
			if err := s.store.Delivered(record, it, worker); err != nil && !errors.Is(err, store.ErrConflict) {
				return sent, failed, err
			}
		}
		sent++
	}
	return sent, failed, nil
}

// deliverOne sends one item; markSent may be called once the receiver has accepted it, before
// deliverOne returns.
func (s *Service) deliverOne(ctx context.Context, mailer *deliver.Mailer, it *store.OutboxItem, markSent func()) error {
	switch it.Channel {
	case "inapp":
		return nil // written with the mark that it was sent
	case "email":
		if mailer == nil {
			return errors.New("no mail server is configured")
		}
		u, err := s.store.User(ctx, it.UserID)
		if err != nil {
			return err
		}
		if u.Disabled() {
			return nil // nothing to tell a disabled account
		}
		settings := s.absURL("/account#notifications")
		return mailer.SendAccepted(ctx, deliver.Email{To: []string{u.Email}, Subject: it.Subject,
			Text:      deliver.EmailText(it.Subject, it.Body, it.Link, "Open in piaf", settings),
			HTML:      deliver.EmailHTML(it.Subject, it.Body, it.Link, "Open in piaf", settings),
			MessageID: OutboxMessageID(it.Key)}, markSent)
	case "webhook":
		h, err := s.store.Webhook(ctx, it.WebhookID)
		if err != nil {
			return err
		}
		// The outbox retries with its own backoff; internal addresses are refused unless allowed.
		client := &deliver.WebhookClient{MaxAttempts: 1, PublicOnly: !s.cfg.AllowPrivateWebhooks}
		var payload any
		_ = json.Unmarshal([]byte(it.Payload), &payload)
		deliveries, err := client.Post(ctx, deliver.Webhook{URL: h.URL, Secret: h.Secret}, it.Kind, payload, it.Key)
		if err == nil {
			markSent() // before the delivery log: the receiver has it
		}
		for _, d := range deliveries {
			if lerr := s.store.LogWebhookDelivery(ctx, h.ID, assessments.WebhookDelivery{OutboxKey: it.Key, Attempt: it.Attempts,
				Status: d.Status, Error: d.Err, Duration: d.Duration, At: d.At}); lerr != nil {
				return lerr
			}
		}
		return err
	}
	return fmt.Errorf("unknown channel %q", it.Channel)
}

// OutboxMessageID is the Message-ID of the email sent for an outbox item: derived from the item's
// key, so a message sent again after a crash carries the same id and the receiver can drop it.
func OutboxMessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16]) + "@piaf"
}

func workerID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// relative turns an absolute link to this instance into a path, for in-app links.
func relative(base, link string) string {
	if len(link) > len(base) && link[:len(base)] == base {
		return link[len(base):]
	}
	return link
}

// NextReview computes an approved assessment's review date from the policy and its highest
// residual risk.
func (s *Service) NextReview(ctx context.Context, state assessments.State, approvedAt time.Time) (string, error) {
	policy, err := s.ReviewPolicy(ctx)
	if err != nil {
		return "", err
	}
	highest := assessments.LevelNone
	for _, f := range state.Findings {
		if f.Live() && f.ResidualLevel() > highest {
			highest = f.ResidualLevel()
		}
	}
	return remind.NextReview(approvedAt, highest, policy).Format(time.DateOnly), nil
}
