// Package web serves piaf over HTTP. Its files say which of three parts they belong to:
// ui_*.go are the server-rendered pages' handlers, api_*.go the JSON API's, http_*.go the plumbing
// both share (server, routes, errors, middleware, strict JSON, access). Handlers are adapters:
// the operations themselves live in assessments/workflow.
package web

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/assessments/workflow/deliver"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// Config is what the server needs to know about where it runs.
type Config struct {
	// BaseURL is the address users reach piaf at, used in links piaf hands out (setup, invites).
	BaseURL string
	// TrustProxy makes piaf believe X-Forwarded-For and X-Forwarded-Proto from a reverse proxy:
	// one on this machine, or at the addresses in TrustedProxies.
	TrustProxy     bool
	TrustedProxies []*net.IPNet
	// Sessions bounds how long a sign-in lasts.
	Sessions store.SessionPolicy
	// MaxBody limits request bodies, in bytes.
	MaxBody int64
	// UploadLimit bounds a PII sample or leak-test file, in bytes (0: 200 MB). Such uploads are
	// streamed, never held whole.
	UploadLimit int64
	// SMTP is the mail server from the environment; it wins over the one stored in settings.
	SMTP *deliver.SMTPConfig
	// KeysDir holds the report signing keys, created on first use.
	KeysDir string
	// SignerIdentity names piaf in allowed_signers (default "piaf-reports").
	SignerIdentity string
	// AllowPrivateWebhooks lets webhooks reach loopback and private addresses (receivers on the
	// same network); off by default, since any project owner can add a webhook.
	AllowPrivateWebhooks bool
	// MetricsToken, when set, must be sent as a bearer token to read /metrics.
	MetricsToken string
}

// DefaultConfig is the configuration for a local instance.
func DefaultConfig() Config {
	return Config{
		BaseURL:  workflow.DefaultBaseURL,
		Sessions: store.SessionPolicy{Idle: 8 * time.Hour, Absolute: 7 * 24 * time.Hour},
		MaxBody:  1 << 20,
	}
}

// Server holds everything the handlers use. It is built once, in cmd/piaf.
type Server struct {
	store   *store.Store
	log     *slog.Logger
	cfg     Config
	now     func() time.Time
	metrics *metrics
	echo    *echo.Echo

	questionnaires *questionnaires
	// wf runs the operations; handlers translate between HTTP and its inputs and errors.
	wf           *workflow.Service
	bodies       bodyReads
	startupCheck string

	// crossOrigin refuses state changes sent from another site (see csrf).
	crossOrigin *http.CrossOriginProtection
	// refusals bounds how many refused requests are audited (see auditRefusal).
	refusals *refusalLimits
}

// WorkflowConfig is the part of the configuration the operations need.
func (cfg Config) WorkflowConfig() workflow.Config {
	return workflow.Config{BaseURL: cfg.BaseURL, SMTP: cfg.SMTP, KeysDir: cfg.KeysDir, SignerIdentity: cfg.SignerIdentity,
		AllowPrivateWebhooks: cfg.AllowPrivateWebhooks}
}

// New builds the server, with its own workflow service, and its routes.
func New(st *store.Store, log *slog.Logger, cfg Config) *Server {
	return NewWith(workflow.New(st, log, cfg.WorkflowConfig()), log, cfg)
}

// NewWith builds the server over a workflow service built by the caller.
func NewWith(wf *workflow.Service, log *slog.Logger, cfg Config) *Server {
	st := wf.Store()
	s := &Server{store: st, log: log, cfg: cfg, now: time.Now, metrics: newMetrics(), questionnaires: &questionnaires{store: st}, wf: wf,
		crossOrigin: http.NewCrossOriginProtection(), refusals: newRefusalLimits()}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	if cfg.TrustProxy {
		// Only hops piaf was told about are believed: a client on a private network must not
		// be able to claim any address it likes.
		opts := []echo.TrustOption{echo.TrustLoopback(true), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range cfg.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	} else {
		// Without a proxy in front, X-Forwarded-For is whatever the client wants it to be.
		e.IPExtractor = echo.ExtractIPDirect()
	}
	s.echo = e
	s.routes()
	return s
}

// Handler is the HTTP handler to serve.
func (s *Server) Handler() http.Handler { return s.echo }

// render writes a page into a buffer first, so that a failing component sends an error page
// rather than half a page.
func (s *Server) render(c echo.Context, status int, page templ.Component) error {
	var buf bytes.Buffer
	if err := page.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// page is the layout data for the current request.
func (s *Server) page(c echo.Context, title, nav string) templates.Page {
	a := authFrom(c)
	p := templates.Page{Title: title, User: a.user, CSRF: csrfToken(c), Flash: takeFlash(c), Nav: nav}
	if a.user != nil {
		n, err := s.store.UnreadNotifications(c.Request().Context(), a.user.ID)
		if err != nil {
			s.log.Warn("count notifications", "err", err) // the page still works without the count
		}
		p.Unread = n
	}
	return p
}

// absURL turns a path into a link for people outside the browser (logs, emails).
func (s *Server) absURL(path string) string { return s.cfg.BaseURL + path }

// SetClock replaces the server's clock (and its workflow's), for tests that move time instead
// of waiting.
func (s *Server) SetClock(now func() time.Time) { s.now = now; s.wf.SetClock(now) }

// Workflow is the service the handlers run operations on.
func (s *Server) Workflow() *workflow.Service { return s.wf }
