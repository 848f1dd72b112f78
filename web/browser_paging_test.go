package web_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// The webhook deliveries and the audit log page with plain links in a real browser: from the
// webhooks page to older deliveries and back to the newest, and through the audit log.
func TestBrowserDeliveriesAndAuditPages(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	admin := a.user("admin@example.org", true)
	p := a.project(admin, "Support bot")
	h, err := a.store.CreateWebhook(ctx, p.ID, "https://hooks.example.org/piaf", admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for i := range 70 {
		d := assessments.WebhookDelivery{OutboxKey: "review|assessment:7|2026-12-20|due-30|webhook:1", Attempt: 1 + i%3, Status: 200, At: start.Add(time.Duration(i) * time.Minute)}
		if i%4 == 0 {
			d.Status = 503
		}
		if err := a.store.LogWebhookDelivery(ctx, h.ID, d); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 60 {
		if err := a.store.Audit(ctx, store.AuditEvent{ActorID: admin.ID, ActorEmail: admin.Email, Action: store.AuditSettingsChange,
			Details: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, a)
	b.signIn(admin.Email, testPassword)
	b.visit("/projects/" + strconv.FormatInt(p.ID, 10) + "/webhooks")
	if n := b.count("webhook-delivery"); n != 10 {
		t.Fatalf("webhooks page shows %d deliveries", n)
	}
	b.snapshot("webhooks")
	b.click("older-deliveries")
	if n := b.count("webhook-delivery"); n != 50 || !b.exists("newest-deliveries") || !b.exists("older-deliveries") {
		t.Fatalf("older deliveries: %d rows on %s", n, b.path())
	}
	b.snapshot("deliveries")
	b.click("older-deliveries")
	if n := b.count("webhook-delivery"); n != 10 || b.exists("older-deliveries") {
		t.Fatalf("oldest deliveries: %d rows on %s", n, b.path())
	}
	b.click("newest-deliveries")
	if n := b.count("webhook-delivery"); n != 50 || b.exists("newest-deliveries") {
		t.Fatalf("newest deliveries: %d rows on %s", n, b.path())
	}

	b.visit("/admin/audit")
	if !b.exists("audit-intact") || b.count("audit-row") != 50 {
		t.Fatalf("audit log: %d rows", b.count("audit-row"))
	}
	b.click("next-page")
	if !b.exists("newest-page") || b.count("audit-row") == 0 || b.count("audit-row") > 50 {
		t.Fatalf("older audit entries: %d rows on %s", b.count("audit-row"), b.path())
	}
	b.snapshot("audit-older")
}
