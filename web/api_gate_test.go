package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/manifest"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

// pipelineFixture is a project with a draft assessment, its owner's personal token and a
// pipeline token for it, and a second project the pipeline token must not reach.
type pipelineFixture struct {
	app               *app
	owner             *assessments.User
	project, other    *assessments.Project
	draft, otherDraft *assessments.Assessment
	personal, pipe    string
	pipeToken         *assessments.APIToken
}

func newPipelineFixture(t *testing.T) *pipelineFixture {
	t.Helper()
	a := newApp(t)
	f := &pipelineFixture{app: a, owner: a.user("owner@example.org", false)}
	f.project = a.project(f.owner, "Support bot")
	f.other = a.project(f.owner, "Other bot")
	f.draft = draftAssessment(t, a, f.project)
	f.otherDraft = draftAssessment(t, a, f.other)
	f.personal = a.token(f.owner)
	var err error
	f.pipeToken, f.pipe, err = a.store.CreatePipelineToken(context.Background(), f.owner.ID, f.project.ID, "GitHub Actions", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func draftAssessment(t *testing.T, a *app, p *assessments.Project) *assessments.Assessment {
	t.Helper()
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	d := defs[0]
	if _, err := a.store.EnsureQuestionnaire(context.Background(), d.Key, d.Version, d.Title, d.Source()); err != nil {
		t.Fatal(err)
	}
	as, err := a.store.CreateAssessment(context.Background(), store.NewAssessment{ProjectID: p.ID,
		State: assessments.State{Questionnaire: d.Key, QuestionnaireVersion: d.Version}, Summary: "start"})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func testManifest() string {
	m := manifest.Manifest{Version: manifest.Version, Entries: []manifest.Entry{
		{Role: manifest.RoleData, Path: "train.jsonl", Size: 5, SHA256: strings.Repeat("a", 64)}}}
	return string(m.Document())
}

// publicRoute tells the routes that never look at a token: a pipeline token sent there is
// ignored, not honoured.
func publicRoute(route string) bool {
	for _, p := range []string{"GET /static/", "GET /healthz", "GET /metrics", "GET /calendar/", "GET /signing/", "GET /api/v1/openapi.json"} {
		if strings.HasPrefix(route, p) {
			return true
		}
	}
	return false
}

// TestPipelineTokenReachesOnlyItsRoutes tries every route of the router with a pipeline token:
// only the gate, manifests and evidence of its own project answer; everything else is 403
// (HTML pages included), and its routes on another project are 404.
func TestPipelineTokenReachesOnlyItsRoutes(t *testing.T) {
	f := newPipelineFixture(t)
	allowed := map[string]bool{
		"GET /api/v1/projects/{id}/gate":                  true,
		"POST /api/v1/projects/{id}/gate":                 true,
		"POST /api/v1/assessments/{assessment}/manifests": true,
		"POST /api/v1/assessments/{assessment}/evidence":  true,
	}
	fill := func(route string, project, assessment int64) (method, path string) {
		method, path, _ = strings.Cut(route, " ")
		r := strings.NewReplacer("{id}", fmt.Sprint(project), "{assessment}", fmt.Sprint(assessment), "{*}", "x", "*", "x")
		path = r.Replace(path)
		for strings.Contains(path, "{") {
			i, j := strings.Index(path, "{"), strings.Index(path, "}")
			path = path[:i] + "1" + path[j+1:]
		}
		return method, path
	}
	body := func(route string) string {
		switch {
		case strings.HasSuffix(route, "/gate"), strings.HasSuffix(route, "/manifests"):
			return testManifest()
		case strings.HasSuffix(route, "/evidence"):
			return `{"kind":"manifest","params":` + testManifest() + `}`
		}
		return "{}"
	}
	tried := 0
	for _, route := range f.app.web.Routes() {
		if publicRoute(route) {
			continue
		}
		tried++
		method, path := fill(route, f.project.ID, f.draft.ID)
		r := f.app.api(method, path, f.pipe, body(route))
		if allowed[route] {
			if r.status >= 400 {
				t.Errorf("%s: %d, want success: %s", route, r.status, r.body)
			}
			method, path = fill(route, f.other.ID, f.otherDraft.ID)
			if r := f.app.api(method, path, f.pipe, body(route)); r.status != http.StatusNotFound {
				t.Errorf("%s on another project: %d, want 404: %s", route, r.status, r.body)
			}
			continue
		}
		// Bearer tokens never reach HTML routes (401, whatever the token); API routes outside a
		// pipeline token's scope answer 403 naming it.
		if !strings.HasPrefix(path, "/api/") {
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s %s: %d, want 401: %.200s", method, path, r.status, r.body)
			}
		} else if r.status != http.StatusForbidden || !strings.Contains(r.body, "pipeline token") {
			t.Errorf("%s %s: %d, want 403: %.200s", method, path, r.status, r.body)
		}
	}
	if tried < 50 {
		t.Fatalf("only %d routes tried", tried)
	}
	// The same routes with the owner's personal token still work.
	if r := f.app.api("GET", fmt.Sprintf("/api/v1/projects/%d", f.project.ID), f.personal, ""); r.status != http.StatusOK {
		t.Errorf("personal token: %d", r.status)
	}
	// The pipeline's checks are recorded with the token's name.
	checks, _, err := f.app.store.GateChecks(context.Background(), f.project.ID, 10, 0)
	if err != nil || len(checks) == 0 || checks[0].TokenName != "GitHub Actions" {
		t.Errorf("checks %+v (err %v)", checks, err)
	}
}

func TestGateAPI(t *testing.T) {
	f := newPipelineFixture(t)
	a := f.app
	gate := fmt.Sprintf("/api/v1/projects/%d/gate", f.project.ID)
	var v struct {
		Allowed bool `json:"allowed"`
		Reasons []struct {
			Code string `json:"code"`
		} `json:"reasons"`
		Assessment *int64 `json:"assessment"`
		Check      int64  `json:"check"`
	}
	r := a.api("GET", gate, f.pipe, "")
	r.json(t, &v)
	if r.status != 200 || v.Allowed || len(v.Reasons) != 1 || v.Reasons[0].Code != "no_approved_assessment" || v.Assessment != nil || v.Check == 0 {
		t.Fatalf("gate: %d %s", r.status, r.body)
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", gate, `{"version":1,"entries":[{"role":"data","path":"../x","size":1,"sha256":"` + strings.Repeat("a", 64) + `"}]}`, 422},
		{"POST", gate, `{"version":1,"entries":[],"digest":"sha256:` + strings.Repeat("0", 64) + `"}`, 422},
		{"GET", gate + "?manifest=md5:1", "", 422},
		{"GET", "/api/v1/projects/999999/gate", "", 404},
	} {
		if r := a.api(tc.method, tc.path, f.pipe, tc.body); r.status != tc.status || !strings.Contains(r.body, `"error"`) {
			t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.path, r.status, tc.status, r.body)
		}
	}
	// A manifest attached as evidence is kept; the record names its digest.
	r = a.api("POST", fmt.Sprintf("/api/v1/assessments/%d/manifests?label=run+42", f.draft.ID), f.pipe, testManifest())
	if r.status != http.StatusCreated || !strings.Contains(r.body, `"kind":"manifest"`) || !strings.Contains(r.body, `"source":"pipeline"`) {
		t.Fatalf("attach manifest: %d %s", r.status, r.body)
	}
	// Revoked and expired tokens answer 401.
	if err := a.store.RevokeAPIToken(context.Background(), f.owner.ID, f.pipeToken.ID); err == nil {
		t.Error("a pipeline token was revoked as a personal one")
	}
	if _, err := a.store.RevokePipelineToken(context.Background(), f.project.ID, f.pipeToken.ID); err != nil {
		t.Fatal(err)
	}
	if r := a.api("GET", gate, f.pipe, ""); r.status != http.StatusUnauthorized {
		t.Errorf("revoked: %d", r.status)
	}
	_, expired, err := a.store.CreatePipelineToken(context.Background(), f.owner.ID, f.project.ID, "old", time.Now().Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if r := a.api("GET", gate, expired, ""); r.status != http.StatusUnauthorized {
		t.Errorf("expired: %d", r.status)
	}
}

func TestPipelineTokenAPI(t *testing.T) {
	f := newPipelineFixture(t)
	a := f.app
	tokens := fmt.Sprintf("/api/v1/projects/%d/tokens", f.project.ID)
	r := a.api("POST", tokens, f.personal, `{"name":"GitLab CI","days":30}`)
	var created struct {
		ID        int64     `json:"id"`
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	r.json(t, &created)
	if r.status != http.StatusCreated || !strings.HasPrefix(created.Token, "piaf_") || time.Until(created.ExpiresAt) < 29*24*time.Hour {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := a.api("POST", tokens, f.personal, `{"name":"x","days":1000}`); r.status != http.StatusUnprocessableEntity {
		t.Errorf("1000 days: %d", r.status)
	}
	if r := a.api("GET", tokens, f.personal, ""); r.status != 200 || strings.Contains(r.body, created.Token) || !strings.Contains(r.body, "GitLab CI") {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	viewer := a.user("viewer@example.org", false)
	a.member(f.project, viewer, assessments.RoleViewer)
	if r := a.api("GET", tokens, a.token(viewer), ""); r.status != http.StatusForbidden {
		t.Errorf("a viewer lists tokens: %d", r.status)
	}
	if r := a.api("DELETE", fmt.Sprintf("%s/%d", tokens, created.ID), f.personal, ""); r.status != http.StatusNoContent {
		t.Errorf("revoke: %d %s", r.status, r.body)
	}
	if r := a.api("GET", fmt.Sprintf("/api/v1/projects/%d/gate", f.project.ID), created.Token, ""); r.status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", r.status)
	}
}
