package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/web"
)

func TestStateChangesNeedTheCSRFToken(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.signedIn(u)
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"missing", ""},
		{"wrong", strings.Repeat("x", 43)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.post("/projects/new", url.Values{"name": {"Sneaky"}, "_csrf": {tc.token}})
			if res.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403", res.status)
			}
		})
	}
	if _, total, _ := a.store.Projects(context.Background(), store.ProjectQuery{All: true}); total != 0 {
		t.Fatalf("a forged request created %d projects", total)
	}
	// The header works as well as the form field, for scripts.
	req, _ := http.NewRequest("POST", a.srv.URL+"/projects/new", strings.NewReader("name=Scripted"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	if res := c.do(req); res.status != http.StatusSeeOther {
		t.Fatalf("with the header: status %d, want 303", res.status)
	}
	// Signing out is a state change too.
	if res := c.post("/logout", url.Values{"_csrf": {"nope"}}); res.status != http.StatusForbidden {
		t.Fatalf("logout without token: %d", res.status)
	}
}

func TestSignInAndOut(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.anonymous()
	if res := c.get("/"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Fatalf("anonymous dashboard: %d %s", res.status, res.header.Get("Location"))
	}
	c.get("/login")
	before := c.http.Jar.Cookies(mustURL(a.srv.URL))
	res := c.post("/login", url.Values{"email": {"ALICE@example.org"}, "password": {testPassword}, "next": {"/projects"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/projects" {
		t.Fatalf("sign in: %d to %q", res.status, res.header.Get("Location"))
	}
	cookie := res.header.Get("Set-Cookie")
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
		t.Errorf("session cookie lacks HttpOnly or SameSite: %s", cookie)
	}
	_ = before
	if res := c.get("/"); res.status != http.StatusOK || !strings.Contains(res.body, u.Email) {
		t.Fatalf("dashboard after sign-in: %d", res.status)
	}
	if res := c.post("/logout", nil); res.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.status)
	}
	if res := c.get("/"); res.status != http.StatusSeeOther {
		t.Fatalf("still signed in after sign-out: %d", res.status)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.anonymous()
	c.get("/login")
	for _, next := range []string{"https://evil.example", "//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example"} {
		c.get("/") // after the first sign-in the CSRF token is the session's
		res := c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {next}})
		if loc := res.header.Get("Location"); loc != "/" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}
}

func TestSessionIDRotatesAtSignIn(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.signedIn(u)
	first := sessionCookie(c, a)
	c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	second := sessionCookie(c, a)
	if first == "" || second == "" || first == second {
		t.Fatalf("session id not rotated: %q then %q", first, second)
	}
	// The old id no longer signs anyone in.
	old := a.anonymous()
	old.http.Jar.SetCookies(mustURL(a.srv.URL), []*http.Cookie{{Name: "piaf_session", Value: first}})
	if res := old.get("/"); res.status != http.StatusSeeOther {
		t.Fatalf("old session id still valid: %d", res.status)
	}
}

func sessionCookie(c *client, a *app) string {
	for _, ck := range c.http.Jar.Cookies(mustURL(a.srv.URL)) {
		if ck.Name == "piaf_session" {
			return ck.Value
		}
	}
	return ""
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestLoginThrottling(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.anonymous()
	c.get("/login")
	for i := 0; i < 5; i++ {
		res := c.post("/login", url.Values{"email": {u.Email}, "password": {fmt.Sprintf("wrong guess %d", i)}})
		if res.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i, res.status)
		}
		if !strings.Contains(res.body, `value="alice@example.org"`) {
			t.Fatal("the failed form lost the email typed")
		}
	}
	// Now even the right password is refused for this account...
	res := c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "Too many failed sign-ins") {
		t.Fatalf("sixth attempt: %d, want 429", res.status)
	}
	// ...while another account from the same address still signs in.
	bob := a.user("bob@example.org", false)
	if res := c.post("/login", url.Values{"email": {bob.Email}, "password": {testPassword}}); res.status != http.StatusSeeOther {
		t.Fatalf("other account throttled too early: %d", res.status)
	}
}

func TestLoginThrottlingPerAddress(t *testing.T) {
	a := newApp(t)
	c := a.anonymous()
	c.get("/login")
	for i := 0; i < 20; i++ {
		c.post("/login", url.Values{"email": {fmt.Sprintf("guess%d@example.org", i)}, "password": {"not the password"}})
	}
	u := a.user("alice@example.org", false)
	if res := c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.status != http.StatusTooManyRequests {
		t.Fatalf("address not throttled after 20 failures on many accounts: %d", res.status)
	}
}

func TestDisabledUserIsSignedOut(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.signedIn(u)
	token := a.token(u)
	if err := a.store.SetDisabled(context.Background(), u.ID, true); err != nil {
		t.Fatal(err)
	}
	if res := c.get("/"); res.status != http.StatusSeeOther {
		t.Errorf("disabled user's session still works: %d", res.status)
	}
	if res := a.api("GET", "/api/v1/me", token, ""); res.status != http.StatusUnauthorized {
		t.Errorf("disabled user's token still works: %d", res.status)
	}
	c2 := a.anonymous()
	c2.get("/login")
	if res := c2.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.status != http.StatusUnauthorized {
		t.Errorf("disabled user signed in: %d", res.status)
	}
}

func TestSetupLink(t *testing.T) {
	a := newApp(t)
	token, err := a.store.CreateLink(context.Background(), store.LinkSetup, 0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := a.anonymous()
	if res := c.get("/setup/" + token); res.status != http.StatusOK || !res.has("password-link-form") {
		t.Fatalf("setup page: %d", res.status)
	}
	// A weak password is refused with the message beside the field, and the email is kept.
	res := c.post("/setup/"+token, url.Values{"email": {"dpo@example.org"}, "new_password": {"password1234"}, "confirm": {"password1234"}})
	if res.status != http.StatusUnprocessableEntity || !res.has("error-new_password") || !strings.Contains(res.body, `value="dpo@example.org"`) {
		t.Fatalf("weak password: %d\n%s", res.status, res.body)
	}
	if strings.Contains(res.body, "password1234") {
		t.Error("the re-rendered form contains the password")
	}
	res = c.post("/setup/"+token, url.Values{"email": {"dpo@example.org"}, "name": {"Dee"}, "new_password": {testPassword}, "confirm": {testPassword}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("setup: %d\n%s", res.status, res.body)
	}
	u, err := a.store.UserByEmail(context.Background(), "dpo@example.org")
	if err != nil || !u.IsAdmin {
		t.Fatalf("first user is not an admin: %v %+v", err, u)
	}
	if res := c.get("/admin/users"); res.status != http.StatusOK {
		t.Fatalf("new admin cannot open admin pages: %d", res.status)
	}
	if res := a.anonymous().get("/setup/" + token); res.status != http.StatusNotFound {
		t.Fatalf("setup link works twice: %d", res.status)
	}
}

func TestInviteAndReset(t *testing.T) {
	a := newApp(t)
	root := a.user("root@example.org", true)
	c := a.signedIn(root)
	res := c.post("/admin/users", url.Values{"email": {"new@example.org"}, "name": {"Nia"}})
	if res.status != http.StatusCreated || !res.has("one-time-link") {
		t.Fatalf("invite: %d\n%s", res.status, res.body)
	}
	link := extractLink(t, res.body)
	invited := a.anonymous()
	if res := invited.get(link); res.status != http.StatusOK {
		t.Fatalf("invite page: %d", res.status)
	}
	if res := invited.post(link, url.Values{"new_password": {testPassword}, "confirm": {testPassword + "x"}}); res.status != http.StatusUnprocessableEntity || !res.has("error-confirm") {
		t.Fatalf("mismatched confirmation: %d", res.status)
	}
	if res := invited.post(link, url.Values{"new_password": {testPassword}, "confirm": {testPassword}}); res.status != http.StatusSeeOther {
		t.Fatalf("accept invite: %d", res.status)
	}
	if res := invited.get("/"); res.status != http.StatusOK {
		t.Fatalf("invited user not signed in: %d", res.status)
	}
	// A reset signs the user out everywhere once used.
	u, _ := a.store.UserByEmail(context.Background(), "new@example.org")
	res = c.post(fmt.Sprintf("/admin/users/%d/reset", u.ID), nil)
	reset := extractLink(t, res.body)
	if res := a.anonymous().post(reset, url.Values{"new_password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}}); res.status != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.status)
	}
	if res := invited.get("/"); res.status != http.StatusSeeOther {
		t.Fatalf("old session survived the reset: %d", res.status)
	}
}

// extractLink finds the one-time link shown to the admin and returns its path.
func extractLink(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, "/password/")
	if i < 0 {
		t.Fatal("no link on the page")
	}
	end := strings.IndexByte(body[i:], '"')
	return body[i : i+end]
}

func TestAdminPagesHiddenFromUsers(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	c := a.signedIn(u)
	for _, path := range []string{"/admin/users", fmt.Sprintf("/admin/users/%d", u.ID)} {
		if res := c.get(path); res.status != http.StatusNotFound {
			t.Errorf("GET %s as a user: %d, want 404", path, res.status)
		}
	}
	if res := c.post("/admin/users", url.Values{"email": {"x@example.org"}}); res.status != http.StatusNotFound {
		t.Errorf("POST /admin/users as a user: %d", res.status)
	}
}

func TestLastAdminKeepsAdminRights(t *testing.T) {
	a := newApp(t)
	root := a.user("root@example.org", true)
	c := a.signedIn(root)
	res := c.post(fmt.Sprintf("/admin/users/%d", root.ID), url.Values{"name": {"Root"}})
	if res.status != http.StatusUnprocessableEntity || !res.has("error-is_admin") {
		t.Fatalf("demoting the last admin: %d", res.status)
	}
}

// TestForwardedForCannotDodgeTheThrottle: behind a trusted proxy, a client cannot pick its
// address by prepending to X-Forwarded-For; the first hop piaf does not trust is the client.
func TestForwardedForCannotDodgeTheThrottle(t *testing.T) {
	a := newAppWith(t, func(c *web.Config) { c.TrustProxy = true })
	c := a.anonymous()
	c.get("/login")
	post := func(email, password, forwarded string) response {
		form := url.Values{"email": {email}, "password": {password}, "_csrf": {c.csrf}}
		req, _ := http.NewRequest("POST", a.srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", forwarded)
		return c.do(req)
	}
	for i := 0; i < 20; i++ {
		post(fmt.Sprintf("guess%d@example.org", i), "not the password", fmt.Sprintf("203.0.113.%d, 10.9.9.9", i))
	}
	u := a.user("alice@example.org", false)
	if r := post(u.Email, testPassword, "198.51.100.1, 10.9.9.9"); r.status != http.StatusTooManyRequests {
		t.Fatalf("forged X-Forwarded-For dodged the throttle: %d", r.status)
	}
}
