package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/web"
)

func TestAPITokenActsWithItsUsersRights(t *testing.T) {
	f := newMatrixFixture(t)
	a := f.app
	p := fmt.Sprintf("/api/v1/projects/%d", f.project.ID)
	cases := []struct {
		who              who
		get, patch, mems int
	}{
		{owner, 200, 200, 201},
		{assessor, 200, 200, 403},
		{reviewer, 200, 403, 403},
		{viewer, 200, 403, 403},
		{nonMember, 404, 404, 404},
		{admin, 200, 200, 201},
	}
	for _, tc := range cases {
		t.Run(string(tc.who), func(t *testing.T) {
			tok := a.token(f.users[tc.who])
			if r := a.api("GET", p, tok, ""); r.status != tc.get {
				t.Errorf("GET: %d, want %d: %s", r.status, tc.get, r.body)
			}
			if r := a.api("PATCH", p, tok, `{"purpose":"Draft replies"}`); r.status != tc.patch {
				t.Errorf("PATCH: %d, want %d: %s", r.status, tc.patch, r.body)
			}
			email := "new-" + string(tc.who) + "@example.org"
			a.user(email, false)
			if r := a.api("POST", p+"/members", tok, `{"email":"`+email+`","role":"viewer"}`); r.status != tc.mems {
				t.Errorf("POST members: %d, want %d: %s", r.status, tc.mems, r.body)
			}
		})
	}
	if r := a.api("GET", p, "", ""); r.status != http.StatusUnauthorized {
		t.Errorf("no token: %d", r.status)
	}
	if r := a.api("GET", p, "piaf_forged", ""); r.status != http.StatusUnauthorized {
		t.Errorf("forged token: %d", r.status)
	}
}

func TestAPITokenRevocation(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.signedIn(u)
	res := c.post("/account/tokens", url.Values{"token_name": {"pipeline"}})
	if res.status != http.StatusCreated || !res.has("new-token") {
		t.Fatalf("create token: %d", res.status)
	}
	secret := regexp.MustCompile(`value="(piaf_[A-Za-z0-9_-]+)"`).FindStringSubmatch(res.body)
	if secret == nil {
		t.Fatal("token not shown")
	}
	if r := a.api("GET", "/api/v1/me", secret[1], ""); r.status != 200 || !strings.Contains(r.body, u.Email) {
		t.Fatalf("token does not work: %d %s", r.status, r.body)
	}
	if strings.Contains(c.get("/account").body, secret[1]) {
		t.Error("the token is shown again after the page that created it")
	}
	tokens, _ := a.store.APITokens(t.Context(), u.ID)
	if r := c.post(fmt.Sprintf("/account/tokens/%d/revoke", tokens[0].ID), nil); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := a.api("GET", "/api/v1/me", secret[1], ""); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked token still works: %d", r.status)
	}
	// Nobody revokes someone else's token.
	bob := a.user("bob@example.org", false)
	bobTok := a.token(bob)
	bobTokens, _ := a.store.APITokens(t.Context(), bob.ID)
	if r := c.post(fmt.Sprintf("/account/tokens/%d/revoke", bobTokens[0].ID), nil); r.status != http.StatusNotFound {
		t.Errorf("revoking another user's token: %d", r.status)
	}
	if r := a.api("GET", "/api/v1/me", bobTok, ""); r.status != http.StatusOK {
		t.Errorf("bob's token broke: %d", r.status)
	}
	// Bearer requests need no CSRF token; they are not sent by browsers on their own.
	if r := a.api("POST", "/api/v1/projects", bobTok, `{"name":"Via API"}`); r.status != http.StatusCreated {
		t.Errorf("API POST with a token: %d %s", r.status, r.body)
	}
}

func TestAPIErrors(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	p := a.project(u, "Support bot")
	path := fmt.Sprintf("/api/v1/projects/%d", p.ID)
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		field                    string
	}{
		{"malformed JSON", "POST", "/api/v1/projects", `{"name":`, nil, 400, ""},
		{"empty body", "POST", "/api/v1/projects", ``, nil, 400, ""},
		{"missing name", "POST", "/api/v1/projects", `{"purpose":"x"}`, nil, 422, "name"},
		{"unknown field", "POST", "/api/v1/projects", `{"name":"x","nmae":"y"}`, nil, 400, "nmae"},
		{"wrong type", "POST", "/api/v1/projects", `{"name":42}`, nil, 422, "name"},
		{"dataset without name", "POST", "/api/v1/projects", `{"name":"x","datasets":[{"source":"crm"}]}`, nil, 422, "datasets[0].name"},
		{"negative records", "POST", "/api/v1/projects", `{"name":"x","datasets":[{"name":"a","approx_records":-1}]}`, nil, 422, "datasets[0].approx_records"},
		{"name too long", "PATCH", path, `{"name":"` + strings.Repeat("n", 201) + `"}`, nil, 422, "name"},
		{"stale version", "PATCH", path, `{"name":"x"}`, []string{"If-Match", `"999"`}, 409, ""},
		{"bad If-Match", "PATCH", path, `{"name":"x"}`, []string{"If-Match", "abc"}, 400, ""},
		{"too large", "POST", "/api/v1/projects", `{"name":"x","purpose":"` + strings.Repeat("a", 2<<20) + `"}`, nil, 413, ""},
		{"unknown project", "GET", "/api/v1/projects/99999", "", nil, 404, ""},
		{"bad role", "POST", path + "/members", `{"email":"alice@example.org","role":"boss"}`, nil, 422, "role"},
		{"unknown member", "POST", path + "/members", `{"email":"nobody@example.org","role":"viewer"}`, nil, 422, "email"},
		{"last owner", "POST", path + "/members", `{"email":"alice@example.org","role":"viewer"}`, nil, 409, "role"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.api(tc.method, tc.path, tok, tc.body, tc.headers...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			var body struct{ Error, Field string }
			r.json(t, &body)
			if body.Error == "" {
				t.Error("no error message")
			}
			if body.Field != tc.field {
				t.Errorf("field %q, want %q", body.Field, tc.field)
			}
		})
	}
}

func TestAPIProjectLifecycle(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	r := a.api("POST", "/api/v1/projects", tok, `{"name":"Claims assistant","base_model":"Mistral 7B","datasets":[{"name":"claims","special_categories":true,"approx_records":50000}]}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var p struct {
		ID       int64
		Version  int64
		Role     string
		Datasets []struct {
			Name              string
			SpecialCategories bool `json:"special_categories"`
		}
	}
	r.json(t, &p)
	if p.Role != "owner" || len(p.Datasets) != 1 || !p.Datasets[0].SpecialCategories {
		t.Fatalf("created project: %+v", p)
	}
	path := fmt.Sprintf("/api/v1/projects/%d", p.ID)
	etag := a.api("GET", path, tok, "").header.Get("ETag")
	if r := a.api("PATCH", path, tok, `{"deployment":"Internal claims team"}`, "If-Match", etag); r.status != 200 {
		t.Fatalf("patch with current version: %d %s", r.status, r.body)
	}
	r = a.api("PATCH", path, tok, `{"deployment":"Everyone"}`, "If-Match", etag)
	if r.status != http.StatusConflict {
		t.Fatalf("patch with old version: %d", r.status)
	}
	var conflict struct {
		CurrentVersion int64 `json:"current_version"`
	}
	r.json(t, &conflict)
	if conflict.CurrentVersion != p.Version+1 {
		t.Errorf("current_version %d, want %d", conflict.CurrentVersion, p.Version+1)
	}
	if r := a.api("PATCH", path, tok, `{"archived":true}`); r.status != 200 || !strings.Contains(r.body, `"archived":true`) {
		t.Fatalf("archive: %d %s", r.status, r.body)
	}
	if r := a.api("PATCH", path, tok, `{"name":"Renamed"}`); r.status != http.StatusConflict {
		t.Fatalf("editing an archived project: %d", r.status)
	}
	list := a.api("GET", "/api/v1/projects?archived=true", tok, "")
	var page struct{ Total int }
	list.json(t, &page)
	if page.Total != 1 {
		t.Errorf("archived list total %d", page.Total)
	}
	members := a.api("GET", path+"/members", tok, "")
	if !strings.Contains(members.body, `"role":"owner"`) {
		t.Errorf("members: %s", members.body)
	}
}

// TestOpenAPIMatchesRoutes keeps the API description true: every /api/v1 route is documented
// with each of its methods, and nothing documented is missing from the router.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	a := newApp(t)
	r := a.api("GET", "/api/v1/openapi.json", "", "")
	if r.status != 200 {
		t.Fatalf("openapi.json: %d", r.status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.json(t, &doc)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	routed := map[string]bool{}
	for _, route := range a.web.Routes() {
		if !strings.HasPrefix(route, "GET /api/v1/openapi.json") && strings.Contains(route, " /api/v1/") {
			route = strings.Replace(route, "/api/v1", "", 1)
		} else {
			continue
		}
		routed[route] = true
		if !documented[route] {
			t.Errorf("route %s is not in openapi.json", route)
		}
	}
	for route := range documented {
		if !routed[route] {
			t.Errorf("openapi.json documents %s, which is not routed", route)
		}
	}
}

func TestHealthAndMetrics(t *testing.T) {
	a := newApp(t)
	if r := a.api("GET", "/healthz", "", ""); r.status != 200 || !strings.Contains(r.body, `"ok"`) {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	u := a.user("alice@example.org", false)
	a.signedIn(u).get("/projects")
	a.api("GET", "/projects/12345", "", "")
	r := a.api("GET", "/metrics", "", "")
	for _, want := range []string{
		`piaf_http_requests_total{method="GET",route="/projects",status="200"} 1`,
		`piaf_http_request_duration_seconds_bucket{route="/projects",le="+Inf"} 1`,
		`piaf_http_request_duration_seconds_count{route="/login"}`,
		"piaf_open_sessions 1",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("metrics lack %q:\n%s", want, r.body)
		}
	}
	if strings.Contains(r.body, "12345") {
		t.Error("metrics carry a raw path with an id")
	}
}

func TestSecurityHeaders(t *testing.T) {
	a := newApp(t)
	r := a.anonymous().get("/login")
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Error("CSP allows inline code")
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " style=") {
		t.Error("page has inline script or style")
	}
}

func TestProjectFormKeepsInputAndDetectsConflicts(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.signedIn(u)
	res := c.post("/projects/new", url.Values{"name": {""}, "purpose": {"Summarise tickets"}, "ds_name": {"tickets"}, "ds_records": {"lots"}})
	if res.status != http.StatusUnprocessableEntity || !res.has("error-name") || !res.has("error-ds_records") {
		t.Fatalf("invalid form: %d", res.status)
	}
	if !strings.Contains(res.body, "Summarise tickets") || !strings.Contains(res.body, `value="lots"`) {
		t.Error("the form lost what was typed")
	}
	p := a.project(u, "Support bot")
	path := fmt.Sprintf("/projects/%d/edit", p.ID)
	c.get(path)
	if _, err := a.store.UpdateProject(t.Context(), p.ID, p.Version, assessments.ProjectFields{Name: "Changed elsewhere"}); err != nil {
		t.Fatal(err)
	}
	res = c.post(path, url.Values{"name": {"My rename"}, "purpose": {"typed text"}, "version": {fmt.Sprint(p.Version)}})
	if res.status != http.StatusConflict || !strings.Contains(res.body, "typed text") || !strings.Contains(res.body, "Someone else saved") {
		t.Fatalf("conflicting edit: %d\n%s", res.status, res.body)
	}
	got, _ := a.store.Project(t.Context(), p.ID)
	if got.Name != "Changed elsewhere" {
		t.Errorf("the stale save overwrote the other change: %q", got.Name)
	}
}

func TestErrorPages(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.signedIn(u)
	if r := c.get("/projects/999"); r.status != 404 || !r.has("error-404") {
		t.Errorf("404 page: %d", r.status)
	}
	if r := c.get("/no/such/page"); r.status != 404 {
		t.Errorf("unknown path: %d", r.status)
	}
}

func TestMetricsToken(t *testing.T) {
	a := newAppWith(t, func(c *web.Config) { c.MetricsToken = "s3cret-metrics" })
	if r := a.api("GET", "/metrics", "", ""); r.status != http.StatusUnauthorized {
		t.Errorf("metrics without the token: %d", r.status)
	}
	if r := a.api("GET", "/metrics", "s3cret-metrics", ""); r.status != 200 || !strings.Contains(r.body, "piaf_open_sessions") {
		t.Errorf("metrics with the token: %d", r.status)
	}
}
