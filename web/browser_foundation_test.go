package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// setupLink creates the one-time link the server prints on its first start.
func setupLink(t *testing.T, a *app) string {
	t.Helper()
	token, err := a.store.CreateLink(context.Background(), store.LinkSetup, 0, time.Hour)
	if err != nil {
		t.Fatalf("create setup link: %v", err)
	}
	return "/setup/" + token
}

// setUpFirstAdmin fills in the setup page the browser shows.
func (b *browser) setUpFirstAdmin(email, name string) {
	b.t.Helper()
	b.fill("#email", email)
	b.fill("#name", name)
	b.fill("#new_password", testPassword)
	b.fill("#confirm", testPassword)
	b.press("Create administrator")
}

func TestBrowserFirstAdminSetupAndProject(t *testing.T) {
	a := newApp(t)
	link := setupLink(t, a)
	b := newBrowser(t, a)

	// The first administrator sets up the instance and is signed in.
	if status := b.visit(link); status != http.StatusOK {
		t.Fatalf("setup link: status %d", status)
	}
	if h := b.text("h1"); h != "Set up piaf" {
		t.Errorf("setup page heading %q", h)
	}
	b.setUpFirstAdmin("ada@example.org", "Ada Lovelace")
	if p := b.path(); p != "/" {
		t.Errorf("after setup the browser is on %s, want the dashboard", p)
	}
	if u := b.text("current-user"); u != "Ada Lovelace" {
		t.Errorf("signed in as %q, want Ada Lovelace", u)
	}
	if f := b.text("flash"); !strings.Contains(f, "administrator") {
		t.Errorf("flash after setup: %q", f)
	}
	if !b.exists("welcome") {
		t.Error("a new instance's dashboard shows no welcome card")
	}
	b.snapshot("dashboard-empty")

	// Signing out and in again.
	b.press("Sign out")
	if p := b.path(); p != "/login" {
		t.Errorf("after signing out the browser is on %s", p)
	}
	if b.exists("current-user") {
		t.Error("still signed in after signing out")
	}
	b.signIn("ada@example.org", testPassword)
	if p := b.path(); p != "/" {
		t.Errorf("after signing in the browser is on %s", p)
	}

	// A new project, first submitted without a name: the message sits beside the field and
	// everything typed stays.
	b.click(`nav a[href="/projects"]`)
	b.click("new-project")
	typed := [][2]string{ // selector, value, in the order of the form
		{"#purpose", "Draft replies to customer support tickets in our tone."},
		{"#base_model", "Llama 3.1 8B Instruct"},
		{"#deployment", "Internal tool for support agents; agents review every draft."},
		{"#ds_name", "Support tickets 2024"},
		{"#ds_source", "Zendesk export"},
		{"#ds_categories", "names, email addresses, support messages"},
		{"#ds_subjects", "customers"},
		{"#ds_records", "120000"},
		{"#ds_retention", "12 months after training"},
	}
	for _, f := range typed {
		b.fill(f[0], f[1])
	}
	b.check("#ds_special")
	b.press("Create project")
	if !b.exists("error-name") {
		t.Fatalf("no error for the missing name; page says: %s", b.text("#main"))
	}
	if msg := b.text("error-name"); msg != "Give the project a name." {
		t.Errorf("name error %q", msg)
	}
	if !evalJS[bool](b, "find the name error's field", `document.querySelector("#name").closest(".field").contains(document.querySelector("[data-testid=error-name]"))`) {
		t.Error("the name error is not beside the name field")
	}
	if d := b.prop("#name", "ariaInvalid"); d != "true" {
		t.Errorf("name field aria-invalid=%q", d)
	}
	if d := evalJS[string](b, "read aria-describedby", `document.querySelector("#name").getAttribute("aria-describedby")`); d != "name-error" {
		t.Errorf("name field aria-describedby=%q, want name-error", d)
	}
	if s := b.text("form-errors"); !strings.Contains(s, "1 field") {
		t.Errorf("error summary %q", s)
	}
	for _, f := range typed {
		if got := b.value(f[0]); got != f[1] {
			t.Errorf("after the failed submit %s = %q, want %q", f[0], got, f[1])
		}
	}
	if !b.checked("#ds_special") {
		t.Error("after the failed submit the special categories box is no longer ticked")
	}
	b.snapshot("new-project-error")

	b.fill("#name", "Support reply assistant")
	b.press("Create project")
	m := regexp.MustCompile(`^/projects/(\d+)$`).FindStringSubmatch(b.path())
	if m == nil {
		t.Fatalf("after creating a project the browser is on %s; page says: %s", b.path(), b.text("#main"))
	}
	projectPath := m[0]
	if n := b.text("project-name"); n != "Support reply assistant" {
		t.Errorf("project page heading %q", n)
	}
	if r := b.text("your-role"); r != "Owner" {
		t.Errorf("creator's role %q, want Owner", r)
	}
	rows := b.texts("dataset-row")
	if len(rows) != 1 {
		t.Fatalf("dataset rows %q, want one", rows)
	}
	for _, want := range []string{"Support tickets 2024", "Zendesk export", "names, email addresses, support messages", "Yes", "customers", "120,000", "12 months after training"} {
		if !strings.Contains(rows[0], want) {
			t.Errorf("dataset row %q lacks %q", rows[0], want)
		}
	}

	// Adding a member.
	vera := a.user("vera@example.org", false)
	b.fill("#member_email", vera.Email)
	b.choose("#member_role", "viewer")
	b.press("Add member")
	if p := b.path(); p != projectPath {
		t.Errorf("after adding a member the browser is on %s", p)
	}
	if f := b.text("flash"); !strings.Contains(f, "vera@example.org") {
		t.Errorf("flash after adding a member: %q", f)
	}
	members := b.texts("member-row")
	if len(members) != 2 || !strings.Contains(strings.Join(members, "|"), "vera@example.org") {
		t.Errorf("member rows %q, want Ada and vera@example.org", members)
	}
	if r := b.value("#role-" + strconv.FormatInt(vera.ID, 10)); r != "viewer" {
		t.Errorf("vera's role %q, want viewer", r)
	}
	b.snapshot("project")

	// The project list and the dashboard show the project.
	b.click(`nav a[href="/projects"]`)
	projects := b.texts("project-row")
	if len(projects) != 1 {
		t.Fatalf("project rows %q, want one", projects)
	}
	for _, want := range []string{"Support reply assistant", "Llama 3.1 8B Instruct", "Owner"} {
		if !strings.Contains(projects[0], want) {
			t.Errorf("project row %q lacks %q", projects[0], want)
		}
	}
	b.snapshot("projects")
	b.click(`nav a[href="/"]`)
	if r := b.text("recent-projects"); !strings.Contains(r, "Support reply assistant") {
		t.Errorf("dashboard's recent projects %q", r)
	}
	b.snapshot("dashboard")
}

func TestBrowserViewerSeesNoEditControls(t *testing.T) {
	a := newApp(t)
	owner := a.user("owen@example.org", false)
	viewer := a.user("vera@example.org", false)
	p := a.project(owner, "Support bot")
	a.member(p, viewer, assessments.RoleViewer)
	b := newBrowser(t, a)

	b.signIn(viewer.Email, testPassword)
	b.click(`[data-testid=recent-projects] a`)
	if n := b.text("project-name"); n != "Support bot" {
		t.Fatalf("opened %q from the dashboard, want Support bot", n)
	}
	if r := b.text("your-role"); r != "Viewer" {
		t.Errorf("your-role %q, want Viewer", r)
	}
	for _, control := range []string{"edit-project", "add-dataset", "archive-project", "restore-project", "add-member-form", "[data-testid=member-list] select", "[data-testid=dataset-list] form"} {
		if b.exists(control) {
			t.Errorf("a viewer sees %s", control)
		}
	}
	if n := b.count("dataset-row"); n != 1 {
		t.Errorf("a viewer sees %d datasets, want 1", n)
	}
	b.snapshot("project-as-viewer")

	if status := b.visit("/projects/" + strconv.FormatInt(p.ID, 10) + "/edit"); status != http.StatusForbidden {
		t.Errorf("viewer opening the edit page: status %d, want 403", status)
	}
	if !b.exists("error-403") {
		t.Fatalf("no 403 page; page says: %s", b.text("#main"))
	}
	if !b.exists("current-user") {
		t.Error("the 403 page does not show who is signed in")
	}
}

func TestBrowserSetupLinkWorksOnce(t *testing.T) {
	a := newApp(t)
	link := setupLink(t, a)
	b := newBrowser(t, a)

	b.visit(link)
	b.setUpFirstAdmin("ada@example.org", "")
	if u := b.text("current-user"); u != "ada@example.org" {
		t.Fatalf("after setup signed in as %q", u)
	}

	for _, who := range []string{"signed in", "signed out"} {
		if who == "signed out" {
			b.press("Sign out")
		}
		if status := b.visit(link); status != http.StatusNotFound {
			t.Errorf("%s, used setup link: status %d, want 404", who, status)
		}
		if h := b.text("h1"); h != "This link no longer works" {
			t.Errorf("%s, used setup link shows %q", who, h)
		}
		if b.exists("password-link-form") {
			t.Errorf("%s, used setup link still shows the form", who)
		}
	}
	if n, err := a.store.CountUsers(context.Background()); err != nil || n != 1 {
		t.Errorf("users after setup: %d, %v; want 1", n, err)
	}
}

func TestBrowserLoginKeyboard(t *testing.T) {
	a := newApp(t)
	kim := a.user("kim@example.org", false)
	b := newBrowser(t, a)

	b.visit("/login")
	b.key(kb.Tab)
	if f := b.focused(); f != `a.skip "Skip to content"` {
		t.Errorf("first Tab focuses %s, want the skip link", f)
	}
	b.snapshot("skip-link")
	if !evalJS[bool](b, "check the skip link shows", `(() => { const r = document.activeElement.getBoundingClientRect(); return r.width > 1 && r.height > 1 && r.top >= 0 })()`) {
		t.Error("the focused skip link is not visible")
	}
	b.key(kb.Enter) // follows the skip link, in the page
	if f := b.focused(); f == "" || !strings.HasPrefix(f, "main#main") {
		t.Errorf("after following the skip link the focus is on %q, want main#main", f)
	}
	b.key(kb.Tab)
	if f := b.focused(); f != "input#email" {
		t.Errorf("Tab after the skip link focuses %s, want the email field", f)
	}
	b.key(kim.Email)
	b.key(kb.Tab)
	if f := b.focused(); f != "input#password" {
		t.Errorf("Tab from the email field focuses %s, want the password field", f)
	}
	b.key(testPassword)
	b.submitWithEnter()
	if p := b.path(); p != "/" {
		t.Errorf("after Enter the browser is on %s, want the dashboard", p)
	}
	if u := b.text("current-user"); u != kim.Email {
		t.Errorf("signed in as %q, want %s", u, kim.Email)
	}
}
