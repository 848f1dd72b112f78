package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/passwords"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
	"github.com/piaf-dev/piaf/web"
)

// testPassword is every test account's password; hashing it once keeps tests fast.
const testPassword = "correct horse battery staple"

var testPasswordHash = sync.OnceValue(func() string { return passwords.Hash(testPassword) })

// app is a real piaf server over a real SQLite database in a temporary folder.
type app struct {
	t     testing.TB
	store *store.Store
	srv   *httptest.Server
	web   *web.Server
	log   *strings.Builder
}

func newApp(t testing.TB) *app { return newAppWith(t, nil) }

// newAppWith lets a test change the configuration first.
func newAppWith(t testing.TB, edit func(*web.Config)) *app {
	t.Helper()
	st := storetest.New(t)
	logs := &strings.Builder{}
	cfg := web.DefaultConfig()
	cfg.KeysDir = sharedKeys(t)
	cfg.AllowPrivateWebhooks = true // the tests' receivers run on loopback
	if edit != nil {
		edit(&cfg)
	}
	server := web.New(st, slog.New(slog.NewTextHandler(logs, nil)), cfg)
	srv := httptest.NewServer(server.Handler())
	t.Cleanup(srv.Close)
	return &app{t: t, store: st, srv: srv, web: server, log: logs}
}

func (a *app) user(email string, admin bool) *assessments.User {
	a.t.Helper()
	u, err := a.store.CreateUser(context.Background(), store.NewUser{Email: email, PasswordHash: testPasswordHash(), IsAdmin: admin})
	if err != nil {
		a.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func (a *app) project(owner *assessments.User, name string) *assessments.Project {
	a.t.Helper()
	p, err := a.store.CreateProject(context.Background(), owner.ID, assessments.ProjectFields{Name: name, Purpose: "Support replies"},
		[]assessments.Dataset{{Name: "tickets", ApproxRecords: 1000}})
	if err != nil {
		a.t.Fatalf("create project: %v", err)
	}
	return p
}

func (a *app) member(p *assessments.Project, u *assessments.User, role assessments.Role) {
	a.t.Helper()
	if err := a.store.SetMember(context.Background(), p.ID, u.ID, role); err != nil {
		a.t.Fatalf("add member: %v", err)
	}
}

func (a *app) token(u *assessments.User) string {
	a.t.Helper()
	_, secret, err := a.store.CreateAPIToken(context.Background(), u.ID, "test")
	if err != nil {
		a.t.Fatal(err)
	}
	return secret
}

// client is a browser without JavaScript: it keeps cookies, does not follow redirects, and
// sends the CSRF token from the last page it saw with every form.
type client struct {
	t    testing.TB
	app  *app
	http *http.Client
	csrf string
}

func (a *app) anonymous() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: a.t, app: a, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signedIn returns a client signed in as the user through the real sign-in form.
func (a *app) signedIn(u *assessments.User) *client {
	a.t.Helper()
	c := a.anonymous()
	c.get("/login")
	r := c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		a.t.Fatalf("sign in as %s: status %d\n%s", u.Email, r.status, r.body)
	}
	// The CSRF token is the session's now: load a page to pick it up.
	c.get("/account")
	return c
}

type response struct {
	status int
	header http.Header
	body   string
}

// has tells whether the page has an element with this data-testid.
func (r response) has(testid string) bool {
	return strings.Contains(r.body, `data-testid="`+testid+`"`)
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
}

var csrfMeta = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfMeta.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.app.srv.URL+path, nil)
	return c.do(req)
}

// post submits a form with the CSRF token, loading a page first if none was seen yet.
func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("_csrf") {
		form.Set("_csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.app.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// upload posts a multipart form with one file, as a browser's file input does.
func (c *client) upload(path, field, filename, content string) response {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", c.csrf)
	fw, _ := w.CreateFormFile(field, filename)
	io.WriteString(fw, content)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.srv.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// api sends a JSON request with a bearer token (empty: none).
func (a *app) api(method, path, token, body string, headers ...string) response {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func jsonString(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tamper changes the database behind the app's back, as an intruder with the file would.
func tamper(t testing.TB, a *app, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+a.store.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

// sharedKeys is one signing key folder for the whole test binary: generating RSA keys for every
// test server would make the suite slow for nothing.
var sharedKeys = func() func(testing.TB) string {
	var once sync.Once
	var dir string
	var err error
	return func(t testing.TB) string {
		once.Do(func() { dir, err = os.MkdirTemp("", "piaf-test-keys-") })
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
}()

// uploadFiles posts a multipart form with several files, as a browser does.
func (c *client) uploadFiles(path string, files map[string][2]string) response {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", c.csrf)
	for field, f := range files {
		fw, _ := w.CreateFormFile(field, f[0])
		io.WriteString(fw, f[1])
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.srv.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

func storeAuditQuery(action string) store.AuditQuery { return store.AuditQuery{Action: action} }
