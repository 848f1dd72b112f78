package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// Delivery attempts page by id, newest first, never more than MaxDeliveriesPage at once, and
// only the webhook's own.
func TestWebhookDeliveryPage(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, store.NewUser{Email: "o@example.org", Name: "O"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateProject(ctx, u.ID, assessments.ProjectFields{Name: "p"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.CreateWebhook(ctx, p.ID, "https://a.example.org/", u.ID)
	other, _ := s.CreateWebhook(ctx, p.ID, "https://b.example.org/", u.ID)
	const n = store.MaxDeliveriesPage + 30
	for i := range n {
		if err := s.LogWebhookDelivery(ctx, h.ID, assessments.WebhookDelivery{OutboxKey: "k", Attempt: i + 1, Status: 200, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			_ = s.LogWebhookDelivery(ctx, other.ID, assessments.WebhookDelivery{OutboxKey: "other", Attempt: 1, At: time.Now()})
		}
	}
	list, older, err := s.WebhookDeliveryPage(ctx, h.ID, 0, 10_000)
	if err != nil || len(list) != store.MaxDeliveriesPage || older != list[len(list)-1].ID || list[0].Attempt != n {
		t.Fatalf("first page: %d attempts, older %d, err %v", len(list), older, err)
	}
	rest, older2, err := s.WebhookDeliveryPage(ctx, h.ID, older, 10_000)
	if err != nil || len(rest) != 30 || older2 != 0 || rest[0].Attempt != 30 || rest[29].Attempt != 1 {
		t.Fatalf("second page: %d attempts, older %d, err %v", len(rest), older2, err)
	}
	for _, d := range append(list, rest...) {
		if d.OutboxKey != "k" {
			t.Fatalf("another webhook's attempt listed: %+v", d)
		}
	}
}
