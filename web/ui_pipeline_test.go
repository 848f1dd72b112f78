package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

func TestPipelineTokensPage(t *testing.T) {
	f := newPipelineFixture(t)
	a := f.app
	c := a.signedIn(f.owner)
	page := fmt.Sprintf("/projects/%d/pipeline", f.project.ID)
	if r := c.get(page); r.status != 200 || !r.has("pipeline-token-form") || !r.has("pipeline-token-row") {
		t.Fatalf("tokens page: %d", r.status)
	}
	r := c.post(page+"/tokens", url.Values{"name": {""}, "days": {"90"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Name the token") {
		t.Errorf("empty name: %d", r.status)
	}
	r = c.post(page+"/tokens", url.Values{"name": {"GitLab CI"}, "days": {"500"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `value="GitLab CI"`) {
		t.Errorf("500 days: %d; the name typed should be kept", r.status)
	}
	r = c.post(page+"/tokens", url.Values{"name": {"GitLab CI"}, "days": {"30"}})
	if r.status != http.StatusCreated || !r.has("new-pipeline-token") {
		t.Fatalf("create: %d", r.status)
	}
	secret := regexp.MustCompile(`value="(piaf_[A-Za-z0-9_-]+)"`).FindStringSubmatch(r.body)
	if secret == nil {
		t.Fatal("token not shown")
	}
	if strings.Contains(c.get(page).body, secret[1]) {
		t.Error("the secret is shown again")
	}
	if r := a.api("GET", fmt.Sprintf("/api/v1/projects/%d/gate", f.project.ID), secret[1], ""); r.status != 200 {
		t.Fatalf("new token at the gate: %d %s", r.status, r.body)
	}
	// A pipeline token never reaches an HTML page.
	if r := a.api("GET", fmt.Sprintf("/projects/%d", f.project.ID), secret[1], ""); r.status != http.StatusUnauthorized {
		t.Errorf("pipeline token on the project page: %d", r.status)
	}
	tokens, err := a.store.PipelineTokens(t.Context(), f.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.post(fmt.Sprintf("%s/tokens/%d/revoke", page, tokens[0].ID), nil); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := a.api("GET", fmt.Sprintf("/api/v1/projects/%d/gate", f.project.ID), secret[1], ""); r.status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", r.status)
	}
	entries, _, err := a.store.AuditEntries(t.Context(), storeAuditQuery("token.pipeline_created"))
	if err != nil || len(entries) != 1 {
		t.Errorf("audit of creation: %d entries, %v", len(entries), err)
	}
	// Only owners manage tokens; non-members do not learn the page exists.
	viewer, stranger := a.user("viewer@example.org", false), a.user("stranger@example.org", false)
	a.member(f.project, viewer, assessments.RoleViewer)
	if r := a.signedIn(viewer).get(page); r.status != http.StatusForbidden {
		t.Errorf("viewer: %d", r.status)
	}
	if r := a.signedIn(stranger).get(page); r.status != http.StatusNotFound {
		t.Errorf("stranger: %d", r.status)
	}
	// Without the CSRF token nothing is created.
	anon := a.signedIn(f.owner)
	anon.csrf = ""
	if r := anon.post(page+"/tokens", url.Values{"name": {"x"}, "days": {"30"}}); r.status != http.StatusForbidden {
		t.Errorf("no CSRF: %d", r.status)
	}
}

func TestPipelineChecksOnProjectPage(t *testing.T) {
	f := newPipelineFixture(t)
	a := f.app
	c := a.signedIn(f.owner)
	project := fmt.Sprintf("/projects/%d", f.project.ID)
	if r := c.get(project); !r.has("pipeline-checks") || !r.has("no-pipeline-checks") {
		t.Fatalf("empty pipeline checks: %d", r.status)
	}
	for range 11 {
		a.api("GET", "/api/v1"+project+"/gate", f.pipe, "")
	}
	a.api("POST", "/api/v1"+project+"/gate", f.pipe, testManifest())
	r := c.get(project)
	if n := strings.Count(r.body, `data-testid="pipeline-check-row"`); n != 10 {
		t.Errorf("first page: %d rows, want 10", n)
	}
	if !r.has("older-checks") || !strings.Contains(r.body, "no_approved_assessment") || !strings.Contains(r.body, `Pipeline token &#34;GitHub Actions&#34;`) ||
		!strings.Contains(r.body, "sha256:") {
		t.Errorf("page 1 lacks the pager, the reason, the token or the digest")
	}
	if r := c.get(project + "?checks=2"); strings.Count(r.body, `data-testid="pipeline-check-row"`) != 2 {
		t.Errorf("second page: %d rows, want 2", strings.Count(r.body, `data-testid="pipeline-check-row"`))
	}
	// Viewers see the checks too.
	viewer := a.user("viewer@example.org", false)
	a.member(f.project, viewer, assessments.RoleViewer)
	if r := a.signedIn(viewer).get(project); !r.has("pipeline-check-list") || r.has("pipeline-tokens-link") {
		t.Errorf("viewer: checks shown %v, token link shown %v", r.has("pipeline-check-list"), r.has("pipeline-tokens-link"))
	}
}
