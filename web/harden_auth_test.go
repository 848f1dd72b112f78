package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/passwords"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/web"
)

func auditCount(t testing.TB, a *app, action string) int {
	t.Helper()
	_, n, err := a.store.AuditEntries(context.Background(), store.AuditQuery{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 17 item 2: guessing the current password on the change form is throttled like sign-in,
// and every wrong guess is audited.
func TestPasswordChangeGuessesAreThrottledAndAudited(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.signedIn(u)
	newPassword := "a much longer new passphrase 42"
	form := func(current string) url.Values {
		return url.Values{"password": {current}, "new_password": {newPassword}, "confirm": {newPassword}}
	}
	for i := range 30 {
		res := c.post("/account/password", form("wrong guess "+strconv.Itoa(i)))
		if res.status == http.StatusSeeOther {
			t.Fatalf("guess %d changed the password", i)
		}
	}
	if res := c.post("/account/password", form(testPassword)); res.status != http.StatusTooManyRequests {
		t.Fatalf("the right password after 30 wrong guesses: status %d, want 429", res.status)
	}
	cur, err := a.store.User(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !passwords.Matches(cur.PasswordHash, testPassword) {
		t.Fatal("the password was changed after 30 wrong guesses")
	}
	// The guesses that were checked are audited; the refused ones are not, so the log cannot be
	// grown at will.
	if n := auditCount(t, a, store.AuditPasswordFailed); n < 5 || n > 6 {
		t.Fatalf("%d failed password checks audited, want the 5 or 6 that were checked", n)
	}
}

// Issue 17 item 3: bearer tokens reach the API only; HTML routes, token management included,
// take a browser session.
func TestBearerTokensReachOnlyTheAPI(t *testing.T) {
	a := newApp(t)
	admin := a.user("admin@example.org", true)
	token := a.token(admin)
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/admin/users", "email=mallory%40example.org&name=M"},
		{"POST", "/account/tokens", "token_name=child"},
		{"POST", "/account/password", "password=x&new_password=y&confirm=y"},
		{"GET", "/admin/users", ""},
	} {
		req, _ := http.NewRequest(tc.method, a.srv.URL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s with a bearer token: status %d, want 401", tc.method, tc.path, res.StatusCode)
		}
	}
	if _, err := a.store.UserByEmail(context.Background(), "mallory@example.org"); err == nil {
		t.Fatal("a bearer token created a user through the admin page")
	}
	tokens, _ := a.store.APITokens(context.Background(), admin.ID)
	if len(tokens) != 1 {
		t.Fatalf("a bearer token created a token: %d tokens", len(tokens))
	}
	if res := a.api("GET", "/api/v1/me", token, ""); res.status != http.StatusOK {
		t.Fatalf("the API with the token: %d", res.status)
	}
}

// Issue 17 item 5: the CSRF token is bound to the session and rotates at sign-in; another
// site's Origin is refused even with a valid token; refusals are audited.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	a := newApp(t)
	victim := a.user("victim@example.org", false)
	attacker := a.user("mallory@example.org", false)
	v := a.signedIn(victim)

	// The attacker's own pair: a cookie and the token that goes with it, as a fresh visitor
	// gets them; planted in the victim's browser, it must not pass.
	m := a.anonymous()
	m.get("/login")
	var pair string
	for _, ck := range m.http.Jar.Cookies(mustURL(a.srv.URL)) {
		if ck.Name == "piaf_csrf" {
			pair = ck.Value
		}
	}
	if pair == "" || pair != m.csrf {
		t.Fatalf("anonymous visitor: cookie %q, token %q", pair, m.csrf)
	}
	v.http.Jar.SetCookies(mustURL(a.srv.URL), []*http.Cookie{{Name: "piaf_csrf", Value: pair, Path: "/"}})
	if res := v.post("/projects/new", url.Values{"name": {"Forged"}, "_csrf": {pair}}); res.status != http.StatusForbidden {
		t.Fatalf("the attacker's own token pair in the victim's session: status %d, want 403", res.status)
	}
	// Nor does the token of the attacker's own session.
	ms := a.signedIn(attacker)
	if res := v.post("/projects/new", url.Values{"name": {"Forged"}, "_csrf": {ms.csrf}}); res.status != http.StatusForbidden {
		t.Fatalf("another session's token: status %d, want 403", res.status)
	}

	// Rotation: the token seen before sign-in is dead after it.
	c := a.anonymous()
	c.get("/login")
	before := c.csrf
	c.post("/login", url.Values{"email": {victim.Email}, "password": {testPassword}})
	if res := c.post("/projects/new", url.Values{"name": {"Stale"}, "_csrf": {before}}); res.status != http.StatusForbidden {
		t.Fatalf("the pre-sign-in token after sign-in: status %d, want 403", res.status)
	}
	c.get("/")
	if c.csrf == before {
		t.Fatal("the CSRF token did not change at sign-in")
	}

	// A foreign Origin or a cross-site fetch is refused even with the right token.
	for _, h := range [][2]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}} {
		req, _ := http.NewRequest("POST", a.srv.URL+"/projects/new", strings.NewReader(url.Values{"name": {"Cross"}, "_csrf": {v.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(h[0], h[1])
		if res := v.do(req); res.status != http.StatusForbidden {
			t.Fatalf("%s: %s with a valid token: status %d, want 403", h[0], h[1], res.status)
		}
	}
	// Same-origin requests still pass.
	req, _ := http.NewRequest("POST", a.srv.URL+"/projects/new", strings.NewReader(url.Values{"name": {"Fine"}, "_csrf": {v.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res := v.do(req); res.status != http.StatusSeeOther {
		t.Fatalf("same-origin post: status %d, want 303", res.status)
	}
	if _, total, _ := a.store.Projects(context.Background(), store.ProjectQuery{All: true}); total != 1 {
		t.Fatalf("%d projects, want only the same-origin one", total)
	}
	if n := auditCount(t, a, store.AuditCSRFRefused); n < 5 {
		t.Fatalf("%d CSRF refusals audited, want 5", n)
	}
}

// Over HTTPS (here: a trusted proxy saying so) the session and CSRF cookies carry the __Host-
// prefix, which browsers accept only when Secure, for "/", without a Domain.
func TestCookiesTakeTheHostPrefixOverHTTPS(t *testing.T) {
	a := newAppWith(t, func(cfg *web.Config) { cfg.TrustProxy = true })
	u := a.user("alice@example.org", false)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, cookies ...*http.Cookie) *http.Response {
		req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res := get("/login")
	var csrf *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-piaf_csrf" {
			csrf = ck
		}
	}
	if csrf == nil || !csrf.Secure || csrf.Path != "/" || csrf.Domain != "" {
		t.Fatalf("CSRF cookie over https: %v", res.Header.Values("Set-Cookie"))
	}
	form := url.Values{"email": {u.Email}, "password": {testPassword}, "_csrf": {csrf.Value}}
	req, _ := http.NewRequest("POST", a.srv.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.AddCookie(csrf)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-piaf_session" {
			session = ck
		}
	}
	if res.StatusCode != http.StatusSeeOther || session == nil || !session.Secure {
		t.Fatalf("sign-in over https: %d %v", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	// The unprefixed name is not read over https: a cookie planted under it is nobody.
	if res := get("/account", &http.Cookie{Name: "piaf_session", Value: session.Value}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("unprefixed session cookie over https: %d, want a redirect to sign in", res.StatusCode)
	}
	if res := get("/account", session); res.StatusCode != http.StatusOK {
		t.Fatalf("prefixed session cookie over https: %d", res.StatusCode)
	}
}

// Issue 17 item 6: a new password voids pending reset links and revokes API tokens; a disabled
// account cannot redeem a link.
func TestPasswordChangeEndsLinksAndTokens(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	u := a.user("alice@example.org", false)
	link, err := a.store.CreateLink(ctx, store.LinkReset, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	token := a.token(u)
	c := a.signedIn(u)
	newPassword := "a much longer new passphrase 42"
	if res := c.post("/account/password", url.Values{"password": {testPassword}, "new_password": {newPassword}, "confirm": {newPassword}}); res.status != http.StatusSeeOther {
		t.Fatalf("change password: %d\n%s", res.status, res.body)
	}
	r := a.anonymous()
	if res := r.get("/password/" + link); res.status != http.StatusNotFound {
		t.Fatalf("reset link after a password change: %d, want 404", res.status)
	}
	if res := r.post("/password/"+link, url.Values{"new_password": {"attacker chosen passphrase"}, "confirm": {"attacker chosen passphrase"}}); res.status != http.StatusNotFound {
		t.Fatalf("redeem reset link after a password change: %d, want 404", res.status)
	}
	if res := a.api("GET", "/api/v1/me", token, ""); res.status != http.StatusUnauthorized {
		t.Fatalf("API token after a password change: %d, want 401", res.status)
	}
	// The session that changed it goes on, under a new id and token.
	if res := c.get("/account"); res.status != http.StatusOK {
		t.Fatalf("own session after the change: %d", res.status)
	}

	b := a.user("bob@example.org", false)
	link, err = a.store.CreateLink(ctx, store.LinkReset, b.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.SetDisabled(ctx, b.ID, true); err != nil {
		t.Fatal(err)
	}
	d := a.anonymous()
	if res := d.get("/password/" + link); res.status != http.StatusNotFound {
		t.Fatalf("a disabled user's reset link: %d, want 404", res.status)
	}
	if res := d.post("/password/"+link, url.Values{"new_password": {"attacker chosen passphrase"}, "confirm": {"attacker chosen passphrase"}}); res.status != http.StatusNotFound {
		t.Fatalf("redeem a disabled user's reset link: %d, want 404", res.status)
	}
	cur, _ := a.store.User(ctx, b.ID)
	if !passwords.Matches(cur.PasswordHash, testPassword) {
		t.Fatal("a disabled user's password was changed through a reset link")
	}
}

// Issue 17 item 6: an anonymous state-changing API call is told to authenticate (401), not
// refused as forged (403).
func TestAnonymousAPIWritesGet401(t *testing.T) {
	a := newApp(t)
	for _, tc := range []struct{ method, path string }{
		{"POST", "/api/v1/projects"}, {"PATCH", "/api/v1/projects/1"}, {"DELETE", "/api/v1/assessments/1/findings/f/acceptance"},
	} {
		if res := a.api(tc.method, tc.path, "", `{}`); res.status != http.StatusUnauthorized || !strings.Contains(res.body, `"error"`) {
			t.Errorf("anonymous %s %s: %d %s, want 401 with a JSON error", tc.method, tc.path, res.status, res.body)
		}
	}
}

// Issue 17 item 6: authorization denials are audited, at most a few a minute per client.
func TestAccessDenialsAreAuditedWithALimit(t *testing.T) {
	a := newApp(t)
	owner := a.user("owner@example.org", false)
	viewer := a.user("viewer@example.org", false)
	stranger := a.user("stranger@example.org", false)
	p := a.project(owner, "Support bot")
	a.member(p, viewer, assessments.RoleViewer)
	path := "/projects/" + strconv.FormatInt(p.ID, 10)

	s := a.signedIn(stranger)
	if res := s.get(path); res.status != http.StatusNotFound {
		t.Fatalf("stranger: %d", res.status)
	}
	if res := s.get("/admin/users"); res.status != http.StatusNotFound {
		t.Fatalf("non-admin on admin page: %d", res.status)
	}
	if n := auditCount(t, a, store.AuditAccessDenied); n != 2 {
		t.Fatalf("%d denials audited, want 2", n)
	}
	v := a.signedIn(viewer)
	if res := v.post(path+"/archive", nil); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
		t.Fatalf("viewer archiving: %d", res.status)
	}
	if n := auditCount(t, a, store.AuditAccessDenied); n != 3 {
		t.Fatalf("%d denials audited after the viewer's, want 3", n)
	}
	for range 50 {
		s.get(path)
	}
	if n := auditCount(t, a, store.AuditAccessDenied); n > 3+10 {
		t.Fatalf("%d denials audited after 50 more from one client: the log grows at will", n)
	}
}
