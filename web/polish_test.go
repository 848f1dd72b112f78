package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// An invitation reads as a welcome by name; a reset stays a reset.
func TestInvitationIsAWelcome(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	u, err := a.store.CreateUser(ctx, store.NewUser{Email: "nina@example.org", Name: "Nina Okafor"})
	if err != nil {
		t.Fatal(err)
	}
	invite, err := a.store.CreateLink(ctx, store.LinkInvite, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	r := a.anonymous().get("/password/" + invite)
	if r.status != http.StatusOK || !strings.Contains(r.body, "Welcome to piaf, Nina Okafor: choose your password") ||
		!strings.Contains(r.body, "<title>Welcome to piaf · piaf</title>") || strings.Contains(r.body, "new password") {
		t.Errorf("invitation page: %d\n%.3000s", r.status, r.body)
	}
	reset, err := a.store.CreateLink(ctx, store.LinkReset, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r := a.anonymous().get("/password/" + reset); r.status != http.StatusOK || strings.Contains(r.body, "Welcome") {
		t.Errorf("reset page: %d", r.status)
	}
}

// The webhook delivery log says what was sent, where and how it ended, without outbox keys.
func TestWebhookDeliveriesInWords(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	owner := a.user("owner@example.org", false)
	p := a.project(owner, "Support bot")
	h, err := a.store.CreateWebhook(ctx, p.ID, "https://hooks.example.org/services/T0/B0/secretpath", owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for _, d := range []assessments.WebhookDelivery{
		{OutboxKey: "mitigation|assessment:7/mitigation:m3|2026-11-20|overdue-1|webhook:1", Attempt: 1, Status: 503, At: at},
		{OutboxKey: "mitigation|assessment:7/mitigation:m3|2026-11-20|overdue-1|webhook:1", Attempt: 2, Status: 200, At: at.Add(time.Minute)},
	} {
		if err := a.store.LogWebhookDelivery(ctx, h.ID, d); err != nil {
			t.Fatal(err)
		}
	}
	r := a.signedIn(owner).get("/projects/" + strconv.FormatInt(p.ID, 10) + "/webhooks")
	if r.status != http.StatusOK {
		t.Fatalf("webhooks page: %d", r.status)
	}
	for _, want := range []string{"Reminder: mitigation m3 of assessment 7, overdue since 2026-11-20", "https://hooks.example.org/…path",
		"Delivered on attempt 2: the receiver answered 200 OK.", "Not delivered (first attempt): the receiver answered 503 Service Unavailable.",
		"2026-12-01 08:00 UTC"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("delivery log does not say %q", want)
		}
	}
	for _, raw := range []string{"webhook:1", "assessment:7/", "secretpath"} {
		if strings.Contains(r.body, raw) {
			t.Errorf("delivery log shows %q", raw)
		}
	}
}
