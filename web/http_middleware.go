package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

const (
	sessionCookie = "piaf_session"
	csrfCookie    = "piaf_csrf"
	flashCookie   = "piaf_flash"
	csrfField     = "_csrf"
	csrfHeader    = "X-CSRF-Token"
)

type ctxKey int

const authKey ctxKey = iota

// auth is who made the request and how.
type auth struct {
	user    *assessments.User
	session string // the session cookie value; empty for API tokens and anonymous requests
	viaAPI  bool   // authenticated with a bearer token
	token   *assessments.APIToken
	csrf    string
	// auditNext, when set, is recorded by the request's next commit of an assessment, in the
	// same transaction (see Server.auditNextCommit).
	auditNext *store.AuditEvent
}

func authFrom(c echo.Context) *auth {
	if a, ok := c.Request().Context().Value(authKey).(*auth); ok {
		return a
	}
	return &auth{}
}

func setAuth(c echo.Context, a *auth) {
	c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), authKey, a)))
}

// securityHeaders sets a strict policy: scripts and styles only from piaf itself, never inline;
// no framing; no referrer leaving the site.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// limitBody refuses bodies over limit bytes with 413, before a handler reads them.
func (s *Server) limitBody(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return errTooLarge
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			return next(c)
		}
	}
}

// secure tells whether the browser reached us over HTTPS, directly or through a trusted proxy.
func (s *Server) secure(c echo.Context) bool {
	if c.Request().TLS != nil {
		return true
	}
	return s.cfg.TrustProxy && strings.EqualFold(c.Request().Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: s.cookieName(c, name), Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(c)}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
	}
	c.SetCookie(ck)
}

// cookieName gives the session and CSRF cookies the __Host- prefix whenever the browser reached
// us over HTTPS: the browser then refuses the cookie unless it is Secure, for "/", and set by this
// very host, so a sibling subdomain cannot plant one. Browsers accept the prefix only on Secure
// cookies, which plain-http instances (local use, tests) cannot set; those keep the bare name.
func (s *Server) cookieName(c echo.Context, name string) string {
	if (name == sessionCookie || name == csrfCookie) && s.secure(c) {
		return "__Host-" + name
	}
	return name
}

func (s *Server) cookie(c echo.Context, name string) (*http.Cookie, error) {
	return c.Cookie(s.cookieName(c, name))
}

// authenticate finds the user behind a bearer token or a session cookie. A bearer token takes
// precedence and makes the request an API request, exempt from CSRF checks because browsers never
// attach it on their own.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		a := &auth{}
		if h := c.Request().Header.Get("Authorization"); h != "" {
			// Bearer tokens belong to the API: the HTML pages (account, tokens, admin) take only
			// a browser session, with its CSRF token.
			if !isAPI(c) {
				return &httpError{status: http.StatusUnauthorized, msg: "API tokens are accepted only under /api/v1; sign in with the browser for this page."}
			}
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				return apiErr(http.StatusUnauthorized, "the Authorization header must be 'Bearer <token>'", "")
			}
			t, u, err := s.store.TokenForSecret(ctx, strings.TrimSpace(token))
			if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled()) {
				return apiErr(http.StatusUnauthorized, "the API token is unknown, expired or revoked", "")
			}
			if err != nil {
				return err
			}
			a.user, a.viaAPI, a.token = u, true, t
			if err := pipelineScope(c, t); err != nil {
				return err
			}
		} else if ck, err := s.cookie(c, sessionCookie); err == nil && ck.Value != "" {
			sess, err := s.store.Session(ctx, ck.Value, s.cfg.Sessions)
			switch {
			case errors.Is(err, store.ErrNotFound):
				s.setCookie(c, sessionCookie, "", -1)
			case err != nil:
				return err
			default:
				u, err := s.store.User(ctx, sess.UserID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if u != nil && !u.Disabled() {
					a.user, a.session = u, ck.Value
				}
			}
		}
		setAuth(c, a)
		return next(c)
	}
}

// csrf refuses state changes that a browser may have been tricked into sending. Bearer requests
// (API only) are exempt: browsers never attach a bearer token on their own.
//
// Two checks, both must pass:
//   - cross-origin: net/http's CrossOriginProtection refuses a non-safe request whose
//     Sec-Fetch-Site says it came from another site, or (older browsers) whose Origin names
//     another host;
//   - a token the page echoes in a form field or, for scripts, in the X-CSRF-Token header. With a
//     session the token is derived from the session id (sessionCSRF), so it is bound to that
//     session and changes at every sign-in; an attacker's own token is worthless in a victim's
//     session. Before sign-in (the sign-in, setup and reset forms) it is a random cookie the
//     form echoes (double submit), which sign-in discards.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := authFrom(c)
		if a.viaAPI {
			return next(c)
		}
		unsafe := true
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			unsafe = false
		}
		if unsafe && isAPI(c) && a.user == nil {
			// Nothing to forge: tell the client it is not signed in rather than 403.
			return apiErr(http.StatusUnauthorized, "sign in or send an API token", "")
		}
		token := ""
		if a.session != "" {
			token = sessionCSRF(a.session)
		} else if ck, err := s.cookie(c, csrfCookie); err == nil && len(ck.Value) == 43 {
			token = ck.Value
		} else {
			token = newCSRFCookie()
			s.setCookie(c, csrfCookie, token, 0)
		}
		a.csrf = token
		if !unsafe {
			return next(c)
		}
		if err := s.crossOrigin.Check(c.Request()); err != nil {
			s.auditRefusal(c, store.AuditCSRFRefused, map[string]any{"reason": "cross-origin", "origin": truncate(c.Request().Header.Get("Origin"), 200),
				"sec_fetch_site": truncate(c.Request().Header.Get("Sec-Fetch-Site"), 40)})
			return errCSRF
		}
		sent := c.Request().Header.Get(csrfHeader)
		if sent == "" {
			sent = c.FormValue(csrfField)
		}
		if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
			reason := "missing token"
			if sent != "" {
				reason = "wrong token"
			}
			s.auditRefusal(c, store.AuditCSRFRefused, map[string]any{"reason": reason})
			return errCSRF
		}
		return next(c)
	}
}

// sessionCSRF is the CSRF token of a session: a one-way function of its id, so the page can show
// it without revealing the id, and nobody without the session cookie can compute it.
func sessionCSRF(session string) string {
	sum := sha256.Sum256([]byte("piaf-csrf-v1\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func newCSRFCookie() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func truncate(v string, n int) string {
	if len(v) > n {
		return v[:n]
	}
	return v
}

func csrfToken(c echo.Context) string { return authFrom(c).csrf }

// requireUser sends anonymous visitors to the sign-in page (or 401 for the API).
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if authFrom(c).user == nil {
			if isAPI(c) {
				return apiErr(http.StatusUnauthorized, "sign in or send an API token", "")
			}
			target := c.Request().URL.RequestURI()
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(target))
		}
		return next(c)
	}
}

// requireAdmin answers 404 to non-admins: they need not learn that admin pages exist.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := authFrom(c).user; u == nil || !u.IsAdmin {
			s.auditRefusal(c, store.AuditAccessDenied, map[string]any{"reason": "not an administrator"})
			return errNotFound
		}
		return next(c)
	}
}

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// Flash messages travel in a short-lived cookie across the redirect after a form post.
func (s *Server) flash(c echo.Context, msg string) {
	s.setCookie(c, flashCookie, base64.RawURLEncoding.EncodeToString([]byte(msg)), time.Minute)
}

func takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || len(b) > 500 {
		return ""
	}
	return string(b)
}
