package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// A long list of notifications is paged from the newest, 50 at a time, with links that work
// without JavaScript; a notification is opened by id, whatever its page, and only by its owner.
func TestNotificationsArePaged(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	other := a.user("bob@example.org", false)
	var list []assessments.Notification
	for k := 1; k <= 120; k++ {
		list = append(list, assessments.Notification{UserID: u.ID, Kind: "comment", Title: fmt.Sprintf("Note %d", k), Link: "/projects"})
	}
	if err := a.store.Notify(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	c := a.signedIn(u)
	titles := regexp.MustCompile(`Note (\d+)<`)
	older := regexp.MustCompile(`href="(/notifications\?before=\d+)"[^>]*data-testid="older-notifications"`)
	page := c.get("/notifications")
	got := titles.FindAllStringSubmatch(page.body, -1)
	if page.status != 200 || len(got) != 50 || got[0][1] != "120" || got[49][1] != "71" || page.has("newest-notifications") {
		t.Fatalf("first page: %d, %d notifications", page.status, len(got))
	}
	var seen []string
	for range 3 {
		m := older.FindStringSubmatch(page.body)
		if m == nil {
			break
		}
		page = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		if page.status != 200 || !page.has("newest-notifications") {
			t.Fatalf("%s: %d", m[1], page.status)
		}
		for _, g := range titles.FindAllStringSubmatch(page.body, -1) {
			seen = append(seen, g[1])
		}
	}
	if len(seen) != 70 || seen[0] != "70" || seen[69] != "1" || page.has("older-notifications") {
		t.Fatalf("older pages listed %d notifications: %v", len(seen), seen)
	}
	// A malformed cursor is refused with its name, not read as the newest page.
	if p := c.get("/notifications?before=nonsense"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "before must be a whole number") {
		t.Fatalf("a malformed cursor: %d", p.status)
	}
	// The oldest, on the last page, opens by id; someone else's does not.
	first, _, err := a.store.NotificationPage(context.Background(), u.ID, 2, 1)
	if err != nil || len(first) != 1 {
		t.Fatalf("oldest: %v", err)
	}
	if r := c.post(fmt.Sprintf("/notifications/%d", first[0].ID), nil); r.status != 303 {
		t.Fatalf("opening the oldest: %d", r.status)
	}
	if r := a.signedIn(other).post(fmt.Sprintf("/notifications/%d", first[0].ID), nil); r.status != 404 {
		t.Fatalf("someone else's: %d", r.status)
	}
}

// The report page lists its exports newest first, 20 at a time, with Older and Newest links.
func TestExportsArePaged(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	p := a.project(u, "Support bot")
	id := startAssessment(t, a, a.token(u), p)
	c := a.signedIn(u)
	base := fmt.Sprintf("/assessments/%d", id)
	for k := 0; k < 25; k++ {
		if r := c.get(base + "/report.md"); r.status != 200 {
			t.Fatalf("export %d: %d", k, r.status)
		}
	}
	rows := func(r response) int { return strings.Count(r.body, "<code class=\"hash\">") }
	page := c.get(base + "/report")
	if page.status != 200 || rows(page) != 20 || !page.has("older-exports") || page.has("newest-exports") {
		t.Fatalf("first page: %d, %d exports", page.status, rows(page))
	}
	m := regexp.MustCompile(`href="([^"]*exports_before=\d+[^"]*)"[^>]*data-testid="older-exports"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no link to older exports")
	}
	page = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if page.status != 200 || rows(page) != 5 || page.has("older-exports") || !page.has("newest-exports") {
		t.Fatalf("older page: %d, %d exports", page.status, rows(page))
	}
	if _, older, err := a.store.ExportPage(context.Background(), id, 0, 25); err != nil || older != 0 {
		t.Fatalf("a page holding them all says there are older ones: %d %v", older, err)
	}
}

// Every page cursor and number in a query is read or refused with its name: a malformed one is
// never taken for the first page.
func TestPageCursorsAreChecked(t *testing.T) {
	a := newApp(t)
	admin := a.user("root@example.org", true)
	p := a.project(admin, "Cursors")
	c := a.signedIn(admin)
	for _, path := range []string{
		"/admin/audit?before=soon",
		"/notifications?before=-3",
		fmt.Sprintf("/projects/%d?checks=all", p.ID),
	} {
		name := path[strings.Index(path, "?")+1 : strings.Index(path, "=")]
		if r := c.get(path); r.status != http.StatusBadRequest || !strings.Contains(r.body, name+" must be a whole number") {
			t.Errorf("GET %s: %d, want 400 naming %s", path, r.status, name)
		}
	}
	// The register's project is a filter field: refused beside it, on the page and in the API.
	if r := c.get("/mitigations?project=first"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("GET /mitigations?project=first: %d, want 422", r.status)
	}
	if r := a.api("GET", "/api/v1/mitigations?project=first", a.token(admin), ""); r.status != http.StatusUnprocessableEntity {
		t.Errorf("GET /api/v1/mitigations?project=first: %d, want 422", r.status)
	}
}
