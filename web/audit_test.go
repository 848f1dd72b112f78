package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/store"
)

// auditAt records an event at a fixed time.
func (a *app) auditAt(at time.Time, e store.AuditEvent) {
	a.t.Helper()
	a.store.SetClock(func() time.Time { return at })
	defer a.store.SetClock(time.Now)
	if err := a.store.Audit(context.Background(), e); err != nil {
		a.t.Fatal(err)
	}
}

func auditRows(r response) int { return strings.Count(r.body, `data-testid="audit-row"`) }

func TestAdminAuditLog(t *testing.T) {
	a := newApp(t)
	admin := a.user("admin@example.org", true)
	bob := a.user("bob@example.org", false)
	day := func(d, h int) time.Time { return time.Date(2025, 3, d, h, 0, 0, 0, time.UTC) }
	a.auditAt(day(1, 9), store.AuditEvent{ActorID: admin.ID, ActorEmail: admin.Email, ClientAddr: "192.0.2.1", Action: store.AuditLogin})
	a.auditAt(day(1, 10), store.AuditEvent{ActorID: admin.ID, ActorEmail: admin.Email, ClientAddr: "192.0.2.1", Action: store.AuditUserCreate,
		Target: store.AuditTarget("user", bob.ID), Details: map[string]any{"email": bob.Email, "admin": false}})
	a.auditAt(day(1, 11), store.AuditEvent{ActorID: admin.ID, ActorEmail: admin.Email, ClientAddr: "192.0.2.1", Action: store.AuditMemberRole,
		Target: "project:3", Details: map[string]any{"note": "<script>alert(1)</script>", "role": "reviewer"}})
	a.auditAt(day(5, 23), store.AuditEvent{ActorEmail: "mallory@example.org", ClientAddr: "203.0.113.9", Action: store.AuditLoginFailed})
	a.auditAt(day(10, 8), store.AuditEvent{ActorID: bob.ID, ActorEmail: bob.Email, ClientAddr: "198.51.100.7", Action: store.AuditReportExport,
		Target: "assessment:7", Details: map[string]any{"format": "pdf", "revision": 12}})

	c := a.signedIn(admin) // the sign-in itself is the sixth entry
	r := c.get("/admin/audit")
	if r.status != http.StatusOK || !r.has("audit-intact") || !r.has("audit-filter") || auditRows(r) != 6 {
		t.Fatalf("audit page: status %d, intact %t, %d rows\n%s", r.status, r.has("audit-intact"), auditRows(r), r.body)
	}
	for _, want := range []string{
		"head #6", `href="/admin/audit" aria-current="page"`,
		"note: &lt;script&gt;alert(1)&lt;/script&gt;, role: reviewer", "format: pdf, revision: 12",
		"203.0.113.9", "2025-03-10 08:00 UTC",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(r.body, "<script>alert") {
		t.Error("details were written as HTML")
	}
	if first, last := strings.Index(r.body, "<code>report.export</code>"), strings.Index(r.body, "<code>login_failed</code>"); first < 0 || last < first {
		t.Error("entries are not newest first")
	}

	filters := []struct {
		query  string
		status int
		rows   int
		has    string
	}{
		{"action=login&to=2025-12-31", 200, 1, "192.0.2.1"}, // not login_failed
		{"action=user", 200, 1, "email: bob@example.org"},
		{"actor=MALLORY", 200, 1, "<code>login_failed</code>"},
		{"target=project:3", 200, 1, "<code>member.role</code>"},
		{"from=2025-03-05&to=2025-03-05", 200, 1, "<code>login_failed</code>"}, // the whole of the last day
		{"from=2025-03-02&to=2025-12-31", 200, 2, "<code>report.export</code>"},
		{"actor=admin&action=member", 200, 1, "<code>member.role</code>"},
		{"actor=nobody", 200, 0, `data-testid="audit-empty"`},
		{"action=custom.thing", 200, 0, `<option value="custom.thing" selected>`},
		{"from=yesterday", 422, 0, `data-testid="error-from"`},
		{"from=2025-03-10&to=2025-03-01", 422, 0, `data-testid="error-to"`},
	}
	for _, f := range filters {
		r := c.get("/admin/audit?" + f.query)
		if r.status != f.status || auditRows(r) != f.rows || !strings.Contains(r.body, f.has) {
			t.Errorf("%s: status %d with %d rows (has %q: %t); want %d with %d rows",
				f.query, r.status, auditRows(r), f.has, strings.Contains(r.body, f.has), f.status, f.rows)
		}
	}

	// Only admins know the page exists.
	if r := a.signedIn(bob).get("/admin/audit"); r.status != http.StatusNotFound {
		t.Errorf("non-admin: status %d, want 404", r.status)
	}
	if r := a.signedIn(bob).get("/"); strings.Contains(r.body, `href="/admin/audit"`) {
		t.Error("a non-admin's navigation links to the audit log")
	}
	if r := a.anonymous().get("/admin/audit"); r.status != http.StatusSeeOther {
		t.Errorf("anonymous: status %d, want a redirect to sign in", r.status)
	}
}

func TestAdminAuditLogPagesAndTampering(t *testing.T) {
	a := newApp(t)
	admin := a.user("admin@example.org", true)
	for i := range 60 {
		if err := a.store.Audit(context.Background(), store.AuditEvent{ActorID: admin.ID, ActorEmail: admin.Email,
			Action: store.AuditSettingsChange, Details: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	c := a.signedIn(admin)
	r := c.get("/admin/audit?action=settings")
	next := regexp.MustCompile(`href="(/admin/audit\?action=settings&amp;before=\d+)"`).FindStringSubmatch(r.body)
	if auditRows(r) != 50 || !r.has("next-page") || r.has("newest-page") || next == nil {
		t.Fatalf("page 1: %d rows, next %t\n%s", auditRows(r), r.has("next-page"), r.body)
	}
	r = c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if auditRows(r) != 10 || r.has("next-page") || !r.has("newest-page") || !strings.Contains(r.body, "n: 0") ||
		strings.Contains(r.body, "n: 10,") || !strings.Contains(r.body, `href="/admin/audit?action=settings"`) {
		t.Fatalf("page 2: %d rows\n%s", auditRows(r), r.body)
	}

	// Someone with the file edits entries behind the app's back.
	db, err := sql.Open("sqlite", "file:"+a.store.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP TRIGGER audit_log_no_update`); err != nil {
		t.Fatal(err)
	}
	tamper := func(seq int64, sql string) {
		t.Helper()
		if _, err := db.Exec(sql, seq); err != nil {
			t.Fatal(err)
		}
	}
	const change, undo = "UPDATE audit_log SET target = target || 'x' WHERE seq = ?",
		"UPDATE audit_log SET target = substr(target, 1, length(target) - 1) WHERE seq = ?"
	broken := func(seq int64) {
		t.Helper()
		r := c.get("/admin/audit")
		if r.status != http.StatusOK || !r.has("audit-broken") || r.has("audit-intact") ||
			!strings.Contains(r.body, fmt.Sprintf("entry #%d was changed", seq)) {
			t.Fatalf("entry #%d tampered: status %d\n%s", seq, r.status, r.body)
		}
	}

	// An entry written since the last view: the next view verifies it.
	var last int64
	for range 3 {
		if err := a.store.Audit(context.Background(), store.AuditEvent{Action: store.AuditSettingsChange}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.QueryRow("SELECT max(seq) FROM audit_log").Scan(&last); err != nil {
		t.Fatal(err)
	}
	tamper(last-1, change)
	broken(last - 1)
	tamper(last-1, undo)
	broken(last - 1) // until a full check finds the chain intact again
	if rep, err := a.store.Check(context.Background()); err != nil || !rep.OK() {
		t.Fatalf("full check after the repair: %+v, %v", rep, err)
	}
	if r := c.get("/admin/audit"); !r.has("audit-intact") {
		t.Fatalf("repaired log: %s", r.body)
	}

	// An entry verified long ago: the next full check finds it, and the page then reports it.
	tamper(2, change)
	rep, err := a.store.Check(context.Background())
	if err != nil || rep.OK() || rep.Audit.Bad == nil || rep.Audit.Bad.Seq != 2 {
		t.Fatalf("full check: %+v, %v", rep, err)
	}
	broken(2)
}
