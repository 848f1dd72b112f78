package web_test

// The accessibility audit (issue 17, item 14): axe-core runs on every page each role reaches and
// a serious or critical violation fails the test, naming the page, the rule and the elements.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

const (
	// axeInstall is the command that puts axe-core where the tests look by default.
	axeInstall = "npm install --prefix ~/.cache/piaf-axe axe-core"
	// axeStep bounds one step of the audit's browser and axeRun one run of axe-core: the audit
	// shares a loaded machine, so its bounds are generous (it fails on a hung page, not a slow one).
	axeStep = 2 * time.Minute
	axeRun  = 4 * time.Minute
	// axeTotal bounds the audit's browser as a whole.
	axeTotal = 30 * time.Minute
)

// axeSource reads axe-core's axe.min.js from $PIAF_AXE_JS, or where axeInstall puts it, or a
// node_modules folder at the repository root (ignored by git). Without it the test fails under
// CI=true and skips elsewhere.
func axeSource(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("PIAF_AXE_JS")}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "piaf-axe", "node_modules", "axe-core", "axe.min.js"))
	}
	candidates = append(candidates, filepath.Join("..", "node_modules", "axe-core", "axe.min.js"))
	for _, path := range candidates {
		if path == "" {
			continue
		}
		if b, err := os.ReadFile(path); err == nil {
			return string(b)
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("axe-core not found (looked at %q); install it: %s (or set PIAF_AXE_JS to axe.min.js)", candidates, axeInstall)
	}
	t.Skipf("the accessibility audit needs axe-core: %s (or set PIAF_AXE_JS to axe.min.js)", axeInstall)
	return ""
}

// newPatientBrowser is a browser whose steps wait as long as a loaded machine needs.
func newPatientBrowser(t *testing.T, a *app) *browser {
	t.Helper()
	b := newBrowser(t, a)
	var cancel context.CancelFunc
	b.ctx, cancel = context.WithTimeout(b.tab, axeTotal)
	t.Cleanup(cancel)
	b.step = axeStep
	return b
}

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeViolations runs axe-core on the page the browser shows and returns every violation. axe is
// injected through the DevTools protocol, which the page's Content-Security-Policy does not govern.
func (b *browser) axeViolations(source, what string) []axeViolation {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, axeRun)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(() => { if (!window.axe) {"+source+"\n}; return true })()"))
	var violations []axeViolation
	if err == nil {
		violations, err = chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](
			`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({`+
				`id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})))`,
			func(p *runtime.EvaluateParams) { await := true; p.AwaitPromise = &await },
		))
	}
	b.reportProblems()
	if err != nil {
		b.t.Fatalf("axe on %s: %v", what, err)
	}
	return violations
}

// axeCheck fails the test for each serious or critical violation on the page.
func (b *browser) axeCheck(source, what string) {
	b.t.Helper()
	for _, v := range b.axeViolations(source, what) {
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Errorf("%s: %s (%s): %s at %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
		}
	}
}

// axePages audits the pages in sequence with one browser, signed in as u (nil: nobody).
func axePages(t *testing.T, a *app, source string, u *assessments.User, role string, paths []string) {
	t.Helper()
	b := newPatientBrowser(t, a)
	if u != nil {
		b.signIn(u.Email, testPassword)
	}
	for _, path := range paths {
		if status := b.visit(path); status != 200 {
			t.Errorf("%s %s: status %d, want 200", role, path, status)
			continue
		}
		b.axeCheck(source, role+" "+path)
	}
}

// TestBrowserAccessibility runs axe-core on every page each role reaches (issue 17, item 14).
// Pages that look the same to every role (catalogue, account, notifications) are audited once.
func TestBrowserAccessibility(t *testing.T) {
	source := axeSource(t)
	a := newApp(t)
	admin := a.user("ada@example.org", true)
	owner := a.user("owen@example.org", false)
	alice := a.user("alice@example.org", false)
	rita := a.user("rita@example.org", false)
	vic := a.user("vic@example.org", false)
	p := a.project(owner, "Support bot")
	a.member(p, alice, assessments.RoleAssessor)
	a.member(p, rita, assessments.RoleReviewer)
	a.member(p, vic, assessments.RoleViewer)
	id := startAssessment(t, a, a.token(owner), p)
	project := fmt.Sprintf("/projects/%d", p.ID)
	assessment := fmt.Sprintf("/assessments/%d", id)

	// A finding of the assessor's own, so that the register has a row and a finding page.
	etag := a.api("GET", "/api/v1"+assessment, a.token(alice), "").header.Get("ETag")
	r := a.api("POST", "/api/v1"+assessment+"/findings", a.token(alice),
		`{"title":"Prompts kept in logs","category":"access_storage","likelihood":3,"severity":3}`, "If-Match", etag)
	if r.status != 201 {
		t.Fatalf("add finding: %d %s", r.status, r.body)
	}
	var created struct{ Result struct{ ID string } }
	r.json(t, &created)
	finding := assessment + "/findings/" + created.Result.ID
	// A planned mitigation under a lower residual risk, so that pages show a projected level.
	etag = r.header.Get("ETag")
	if r = a.api("POST", "/api/v1"+finding+"/mitigations", a.token(alice), `{"title":"Purge logs after 30 days"}`, "If-Match", etag); r.status != 201 {
		t.Fatalf("link mitigation: %d %s", r.status, r.body)
	}
	if r = a.api("PATCH", "/api/v1"+finding, a.token(alice), `{"residual":{"likelihood":1,"severity":1}}`, "If-Match", r.header.Get("ETag")); r.status != 200 {
		t.Fatalf("residual: %d %s", r.status, r.body)
	}

	datasets, err := a.store.Datasets(context.Background(), p.ID)
	if err != nil || len(datasets) == 0 {
		t.Fatalf("datasets of the project: %v %v", datasets, err)
	}
	dataset := fmt.Sprintf("%s/datasets/%d/edit", project, datasets[0].ID)

	// The sections, as the overview links them.
	b := newPatientBrowser(t, a)
	b.signIn(owner.Email, testPassword)
	b.visit(assessment)
	sections := evalJS[[]string](b, "list the sections",
		`Array.from(document.querySelectorAll(".section-nav a"), a => new URL(a.href).pathname)`)
	if len(sections) == 0 {
		t.Fatal("the assessment overview links no section")
	}

	everyone := []string{"/", "/projects", project, assessment, assessment + "/risks", finding, assessment + "/history",
		assessment + "/report", "/mitigations"}
	owned := append([]string{project + "/edit", project + "/datasets/new", dataset, project + "/webhooks", "/projects/new",
		"/catalogue", "/notifications", "/account", "/verify"}, sections...)
	axePages(t, a, source, owner, "owner", slices.Concat(everyone, owned))
	axePages(t, a, source, alice, "assessor", slices.Concat(everyone, sections[:1]))
	axePages(t, a, source, rita, "reviewer", slices.Concat(everyone, sections[:1]))
	axePages(t, a, source, vic, "viewer", slices.Concat(everyone, sections[:1]))
	axePages(t, a, source, admin, "admin", []string{"/", "/admin/users", fmt.Sprintf("/admin/users/%d", alice.ID),
		"/admin/questionnaires", "/admin/settings", "/admin/audit"})

	setup, err := a.store.CreateLink(context.Background(), store.LinkSetup, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	invited := a.user("ivy@example.org", false)
	invite, err := a.store.CreateLink(context.Background(), store.LinkInvite, invited.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	axePages(t, a, source, nil, "anonymous", []string{"/login", "/verify", "/setup/" + setup, "/password/" + invite})

	// The audit can fail: an image without a text alternative is a critical violation.
	b.visit("/login")
	evalJS[bool](b, "add an image without alt", `document.body.appendChild(document.createElement("img")) !== null`)
	found := false
	for _, v := range b.axeViolations(source, "login with an image without alt") {
		found = found || v.ID == "image-alt" && v.Impact == "critical"
	}
	if !found {
		t.Error("axe did not report an image without alt text")
	}
}
