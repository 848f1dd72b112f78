package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

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
	user    *store.User
	session string // the session cookie value; empty for API tokens and anonymous requests
	viaAPI  bool   // authenticated with a bearer token
	token   *store.APIToken
	csrf    string
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
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(c)}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
	}
	c.SetCookie(ck)
}

// authenticate finds the user behind a bearer token or a session cookie. A bearer token takes
// precedence and makes the request an API request, exempt from CSRF checks because browsers never
// attach it on their own.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		a := &auth{}
		if h := c.Request().Header.Get("Authorization"); h != "" {
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
		} else if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
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

// csrf implements the double-submit pattern: a random cookie that a page echoes in a form field
// or, for scripts, in the X-CSRF-Token header. Another site can make the browser send the cookie
// but cannot read it to echo it.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := authFrom(c)
		if a.viaAPI {
			return next(c)
		}
		token := ""
		if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) == 43 {
			token = ck.Value
		} else {
			b := make([]byte, 32)
			rand.Read(b)
			token = base64.RawURLEncoding.EncodeToString(b)
			s.setCookie(c, csrfCookie, token, 0)
		}
		a.csrf = token
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		sent := c.Request().Header.Get(csrfHeader)
		if sent == "" {
			sent = c.FormValue(csrfField)
		}
		if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
			return errCSRF
		}
		return next(c)
	}
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
func requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := authFrom(c).user; u == nil || !u.IsAdmin {
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
