package web

import (
	"errors"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/field"
	"github.com/piaf-dev/piaf/assessments/passwords"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// Sign-in throttling: after this many failures within the window, further attempts are refused
// without checking the password, per account and (more loosely) per client address.
const (
	throttleWindow   = 15 * time.Minute
	maxFailsPerEmail = 5
	maxFailsPerAddr  = 20
)

func (s *Server) loginForm(c echo.Context) error {
	if authFrom(c).user != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	f := templates.NewForm()
	if n, err := s.store.CountUsers(c.Request().Context()); err != nil {
		return err
	} else if n == 0 {
		f.Fail("_", "piaf has no accounts yet. Open the setup link that the server printed in its log when it started.")
	}
	return s.render(c, http.StatusOK, templates.Login(s.page(c, "Sign in", "login"), f, safeNext(c.QueryParam("next"))))
}

func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	f := templates.NewForm()
	email := strings.TrimSpace(c.FormValue("email"))
	f.Set("email", email)
	next := safeNext(c.FormValue("next"))
	fail := func(status int, msg string) error {
		f.Fail("_", msg)
		return s.render(c, status, templates.Login(s.page(c, "Sign in", "login"), f, next))
	}
	if email == "" || c.FormValue("password") == "" {
		return fail(http.StatusUnprocessableEntity, "Enter your email and password.")
	}
	if len(email) > 254 || len(c.FormValue("password")) > 1024 {
		f.Set("email", "")
		return fail(http.StatusUnprocessableEntity, "The email or password is too long.")
	}
	addr := c.RealIP()
	byEmail, byAddr, err := s.store.LoginFailures(ctx, email, addr, s.now().Add(-throttleWindow))
	if err != nil {
		return err
	}
	if byEmail >= maxFailsPerEmail || byAddr >= maxFailsPerAddr {
		// Refused without checking the password, and not audited each time: the failures that
		// led here already are, and an attacker must not be able to grow the log at will.
		s.log.Warn("sign-in throttled", "email", email, "addr", addr)
		return fail(http.StatusTooManyRequests, "Too many failed sign-ins. Wait 15 minutes and try again, or ask an administrator for a reset link.")
	}
	// The attempt counts as a failure until the password checks out, so parallel guesses
	// cannot all pass the count above before any of them is recorded.
	if err := s.store.RecordLoginFailure(ctx, email, addr); err != nil {
		return err
	}
	if byEmail, byAddr, err = s.store.LoginFailures(ctx, email, addr, s.now().Add(-throttleWindow)); err != nil {
		return err
	}
	if byEmail > maxFailsPerEmail || byAddr > maxFailsPerAddr {
		return fail(http.StatusTooManyRequests, "Too many failed sign-ins. Wait 15 minutes and try again, or ask an administrator for a reset link.")
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	passwordChecks <- struct{}{}
	ok := passwords.Matches(hash, c.FormValue("password"))
	<-passwordChecks
	if !ok || u == nil || u.Disabled() {
		s.auditEvent(c, store.AuditEvent{ActorEmail: email, ClientAddr: addr, Action: store.AuditLoginFailed, Details: map[string]any{"email": email}})
		return fail(http.StatusUnauthorized, "The email or password is not right, or the account is disabled.")
	}
	if err := s.store.ClearLoginFailures(ctx, email); err != nil {
		return err
	}
	if err := s.startSession(c, u, &store.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, ClientAddr: addr, Action: store.AuditLogin, Target: store.AuditTarget("user", u.ID)}); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// startSession signs the user in with a fresh session id, ending the session the browser had,
// so an id planted before sign-in is worthless after it. e, when not nil, is recorded with it.
func (s *Server) startSession(c echo.Context, u *assessments.User, e *store.AuditEvent) error {
	ctx := c.Request().Context()
	var token string
	err := s.store.Atomic(ctx, func(st *store.Store) (err error) {
		if old := authFrom(c).session; old != "" {
			if err := st.DeleteSession(ctx, old); err != nil {
				return err
			}
		}
		if token, err = st.CreateSession(ctx, u.ID, s.cfg.Sessions, c.RealIP(), c.Request().UserAgent()); err != nil {
			return err
		}
		if e != nil {
			return st.Audit(ctx, *e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, token, s.cfg.Sessions.Absolute)
	// The CSRF token rotates with the session: from now on it is the new session's, and the
	// pre-sign-in cookie is dropped.
	a := authFrom(c)
	a.session, a.csrf = token, sessionCSRF(token)
	s.setCookie(c, csrfCookie, "", -1)
	return nil
}

func (s *Server) logout(c echo.Context) error {
	if a := authFrom(c); a.session != "" {
		end := func(st *store.Store) error { return st.DeleteSession(c.Request().Context(), a.session) }
		var err error
		if a.user != nil {
			err = s.audited(c, store.AuditLogout, store.AuditTarget("user", a.user.ID), nil, end)
		} else {
			err = end(s.store)
		}
		if err != nil {
			return err
		}
	}
	s.setCookie(c, sessionCookie, "", -1)
	s.flash(c, "You are signed out.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

// passwordChecks bounds how many argon2 checks (19 MiB each) run at once.
var passwordChecks = make(chan struct{}, 2*runtime.NumCPU())

// safeNext keeps redirects after sign-in on this site: a plain path, nothing a browser could read
// as another host once it drops control characters or turns backslashes into slashes.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "//") || strings.HasPrefix(next, "//") {
		return "/"
	}
	return next
}

// passwordLinkForm shows the page behind a setup, invitation or reset link.
func (s *Server) passwordLinkForm(c echo.Context) error {
	v, err := s.linkView(c)
	if err != nil {
		return err
	}
	if v == nil {
		return s.render(c, http.StatusNotFound, templates.LinkInvalid(s.page(c, "Link expired", "")))
	}
	return s.render(c, http.StatusOK, templates.PasswordLink(s.page(c, v.Title(), ""), *v, templates.NewForm()))
}

// linkView checks the link in the URL; nil means it is not (or no longer) valid.
func (s *Server) linkView(c echo.Context) (*templates.PasswordLinkView, error) {
	ctx := c.Request().Context()
	token := c.Param("token")
	l, err := s.store.Link(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	setupURL := strings.HasPrefix(c.Path(), "/setup/")
	if setupURL != (l.Purpose == store.LinkSetup) {
		return nil, nil
	}
	v := &templates.PasswordLinkView{Purpose: string(l.Purpose), Action: c.Request().URL.Path}
	if l.UserID != 0 {
		u, err := s.store.User(ctx, l.UserID)
		if err != nil {
			return nil, err
		}
		if u.Disabled() {
			return nil, nil
		}
		v.Email, v.Name = u.Email, u.Name
	}
	return v, nil
}

func (s *Server) passwordLink(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := s.linkView(c)
	if err != nil {
		return err
	}
	if v == nil {
		return s.render(c, http.StatusNotFound, templates.LinkInvalid(s.page(c, "Link expired", "")))
	}
	f := formFrom(c, "email", "name")
	email := v.Email
	if v.Purpose == "setup" {
		email = checkEmail(f, "email")
	}
	password := checkNewPassword(f, c, email)
	if !f.Valid() {
		return s.render(c, http.StatusUnprocessableEntity, templates.PasswordLink(s.page(c, v.Title(), ""), *v, f))
	}
	var u *assessments.User
	hash := passwords.Hash(password)
	err = s.store.Atomic(ctx, func(st *store.Store) (err error) {
		if v.Purpose == "setup" {
			u, err = st.CompleteSetup(ctx, c.Param("token"), store.NewUser{Email: email, Name: f.Get("name"), PasswordHash: hash})
		} else {
			u, err = st.RedeemPasswordLink(ctx, c.Param("token"), hash)
		}
		if err != nil {
			return err
		}
		return st.Audit(ctx, store.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, ClientAddr: c.RealIP(), Action: store.AuditUserPassword,
			Target: store.AuditTarget("user", u.ID), Details: map[string]any{"how": v.Purpose + " link", "admin": u.IsAdmin}})
	})
	if errors.Is(err, store.ErrNotFound) {
		return s.render(c, http.StatusNotFound, templates.LinkInvalid(s.page(c, "Link expired", "")))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, u, nil); err != nil {
		return err
	}
	if v.Purpose == "setup" {
		s.flash(c, "Welcome! You are the administrator of this piaf instance.")
	} else if v.Purpose == "invite" {
		s.flash(c, "Your password is saved and you are signed in. Welcome!")
	} else {
		s.flash(c, "Your password is saved.")
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// formFrom copies the named fields of the request into a form, trimmed.
func formFrom(c echo.Context, names ...string) templates.Form {
	f := templates.NewForm()
	for _, n := range names {
		f.Set(n, strings.TrimSpace(c.FormValue(n)))
	}
	return f
}

// checkEmail validates the email field and returns it normalised.
func checkEmail(f templates.Form, name string) string {
	email, msg := field.Email(f.Get(name))
	if msg != "" && f.Err(name) == "" {
		f.Fail(name, msg)
	}
	return email
}

// checkNewPassword validates new_password and its confirmation. Passwords are never put back
// into the form: a re-rendered page must not carry them.
func checkNewPassword(f templates.Form, c echo.Context, email string) string {
	password := c.FormValue("new_password")
	if err := passwords.CheckPolicy(password, email); err != nil {
		f.Fail("new_password", "Password: "+err.Error()+".")
	} else if c.FormValue("confirm") != password {
		f.Fail("confirm", "The two passwords differ.")
	}
	return password
}

// formErrors puts a validation error's messages beside the form's fields (a field's own
// message, set while reading the form, wins) and tells whether the form must be shown again.
// rename maps the operation's field names to the form's; nil keeps them.
func formErrors(f templates.Form, err error, rename func(string) string) bool {
	var invalid *workflow.ValidationError
	if errors.As(err, &invalid) {
		for field, msg := range invalid.Fields {
			if rename != nil {
				field = rename(field)
			}
			if field == "" {
				field = "_"
			}
			if f.Err(field) == "" {
				f.Fail(field, msg)
			}
		}
	}
	return !f.Valid()
}

// checkText applies the one text rule (no NUL, valid UTF-8, at most limit characters) to a form
// field.
func checkText(f templates.Form, name string, limit int) {
	p := workflow.Problems{}
	p.CheckText(name, f.Get(name), limit)
	if msg, ok := p[name]; ok && f.Err(name) == "" {
		f.Fail(name, msg)
	}
}
