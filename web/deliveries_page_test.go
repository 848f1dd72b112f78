package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// A webhook's delivery attempts are paged by id: the webhooks page shows the latest ten and links
// to the older ones, whose pages link on (Older) and back (Newest) with plain links, every
// attempt on exactly one page; only the project's owners see them, and only under their project.
func TestWebhookDeliveriesArePaged(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	owner := a.user("owner@example.org", false)
	p := a.project(owner, "Support bot")
	h, err := a.store.CreateWebhook(ctx, p.ID, "https://hooks.example.org/piaf", owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	const n = 65
	for i := range n {
		d := assessments.WebhookDelivery{OutboxKey: "mitigation|assessment:7/mitigation:m3|2026-11-20|overdue-1|webhook:1",
			Attempt: 1, Status: 200, At: start.Add(time.Duration(i) * time.Minute)}
		if err := a.store.LogWebhookDelivery(ctx, h.ID, d); err != nil {
			t.Fatal(err)
		}
	}
	stamp := func(i int) string { return start.Add(time.Duration(i)*time.Minute).Format("2006-01-02 15:04") + " UTC" }
	older := regexp.MustCompile(`href="([^"]+/deliveries\?before=\d+)"[^>]*data-testid="older-deliveries"`)
	owners := a.signedIn(owner)
	base := "/projects/" + strconv.FormatInt(p.ID, 10) + "/webhooks"

	r := owners.get(base)
	if r.status != http.StatusOK || strings.Count(r.body, `data-testid="webhook-delivery"`) != 10 ||
		!strings.Contains(r.body, stamp(n-1)) || strings.Contains(r.body, stamp(n-11)) {
		t.Fatalf("webhooks page: %d, %d attempts shown\n%.3000s", r.status, strings.Count(r.body, `data-testid="webhook-delivery"`), r.body)
	}
	m := older.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("webhooks page: no link to older deliveries")
	}
	seen := map[int]int{}
	for i := n - 10; i < n; i++ {
		seen[i]++
	}
	next, pages := m[1], 0
	for next != "" {
		pages++
		if pages > 5 {
			t.Fatal("the pages do not end")
		}
		r := owners.get(next)
		if r.status != http.StatusOK || !strings.Contains(r.body, `data-testid="newest-deliveries"`) {
			t.Fatalf("%s: %d, no link to the newest\n%.3000s", next, r.status, r.body)
		}
		if rows := strings.Count(r.body, `data-testid="webhook-delivery"`); rows == 0 || rows > 50 {
			t.Errorf("%s lists %d attempts", next, rows)
		}
		for i := range n {
			if strings.Contains(r.body, stamp(i)) {
				seen[i]++
			}
		}
		next = ""
		if m := older.FindStringSubmatch(r.body); m != nil {
			next = m[1]
		}
	}
	if pages != 2 {
		t.Errorf("older deliveries on %d pages, want 2 (50 and 5)", pages)
	}
	for i := range n {
		if seen[i] != 1 {
			t.Errorf("attempt at %s shown %d times", stamp(i), seen[i])
		}
	}

	// The newest page of the deliveries has no Newest link and starts at the latest attempt.
	if r := owners.get(base + "/" + strconv.FormatInt(h.ID, 10) + "/deliveries"); r.status != http.StatusOK ||
		strings.Contains(r.body, `data-testid="newest-deliveries"`) || !strings.Contains(r.body, stamp(n-1)) ||
		strings.Count(r.body, `data-testid="webhook-delivery"`) != 50 {
		t.Errorf("first page of deliveries: %d\n%.2000s", r.status, r.body)
	}

	// Someone outside the project, and the webhook reached through another project, find nothing.
	other := a.user("other@example.org", false)
	theirs := a.project(other, "Other project")
	if r := a.signedIn(other).get(base + "/" + strconv.FormatInt(h.ID, 10) + "/deliveries"); r.status != http.StatusNotFound {
		t.Errorf("non-member: %d", r.status)
	}
	if r := a.signedIn(other).get("/projects/" + strconv.FormatInt(theirs.ID, 10) + "/webhooks/" + strconv.FormatInt(h.ID, 10) + "/deliveries"); r.status != http.StatusNotFound {
		t.Errorf("another project's webhook: %d", r.status)
	}
}
