package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// In a browser, a long list of notifications pages with plain links: Older, then Newest.
func TestBrowserNotificationPages(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	var list []assessments.Notification
	for k := 1; k <= 60; k++ {
		list = append(list, assessments.Notification{UserID: u.ID, Kind: "comment", Title: fmt.Sprintf("Comment %d on Support bot", k), Link: "/projects"})
	}
	if err := a.store.Notify(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a)
	b.signIn(u.Email, testPassword)
	b.visit("/notifications")
	if n := b.count(`[data-testid="notification"]`); n != 50 || b.exists(`[data-testid="newest-notifications"]`) {
		t.Fatalf("first page: %d notifications", n)
	}
	b.snapshot("first")
	b.click(`[data-testid="older-notifications"]`)
	if n := b.count(`[data-testid="notification"]`); n != 10 || b.exists(`[data-testid="older-notifications"]`) {
		t.Fatalf("older page at %s: %d notifications", b.path(), n)
	}
	b.snapshot("older")
	b.click(`[data-testid="newest-notifications"]`)
	if n := b.count(`[data-testid="notification"]`); n != 50 || b.path() != "/notifications" {
		t.Fatalf("back to the newest at %s: %d notifications", b.path(), n)
	}
}
