package web_test

// Browser test of the worklists: a reviewer and an assessor each sign in and find what waits
// for them on the dashboard, follow it to My work, filter it, and open the mitigation register.

import (
	"strings"
	"testing"
)

func TestBrowserWorklists(t *testing.T) {
	w := newWorkApp(t)

	rita := newBrowser(t, w.app)
	rita.signIn(w.rita.Email, testPassword)
	if got := rita.text("waiting-review"); !strings.Contains(got, "Support bot · cycle 1") {
		t.Errorf("reviewer's dashboard, awaiting review: %q", got)
	}
	if rita.exists("waiting-mitigation") {
		t.Error("the reviewer owns no mitigation but the dashboard lists some")
	}
	rita.snapshot("dashboard-reviewer")
	rita.click("my-work-link")
	if p := rita.path(); p != "/work" {
		t.Fatalf("My work link went to %s", p)
	}
	if n := rita.count("[data-testid=work-review] [data-testid=work-row]"); n != 1 {
		t.Errorf("reviewer's My work lists %d reviews, want 1", n)
	}
	rita.snapshot("work-reviewer")

	alice := newBrowser(t, w.app)
	alice.signIn(w.alice.Email, testPassword)
	if got := alice.text("waiting-mitigation"); !strings.Contains(got, "Overdue") || !strings.Contains(got, "Zero-retention contract") {
		t.Errorf("assessor's dashboard, her mitigations: %q", got)
	}
	alice.snapshot("dashboard-assessor")
	alice.visit("/work")
	alice.choose("#kind", "mitigation")
	alice.press("Filter")
	if p := alice.path(); p != "/work?kind=mitigation&project=&within=" {
		t.Errorf("filtered to %s", p)
	}
	if alice.exists("work-review") || alice.count("[data-testid=work-mitigation] [data-testid=overdue]") != 1 {
		t.Errorf("filtered My work: %q", alice.text("#main"))
	}
	alice.snapshot("work-assessor")
	alice.visit("/")
	alice.click(`nav.bar a[href="/mitigations"]`)
	if got := alice.prop(`[data-testid=owner]`, "title"); got != "alice@example.org" {
		t.Errorf("owner's email on hover: %q", got)
	}
	if got := alice.text("register-row"); !strings.Contains(got, "Alice Martin") || !strings.Contains(got, "Overdue") {
		t.Errorf("register row: %q", got)
	}
	alice.snapshot("register")
}
