// Package workflow holds piaf's operations as plain Go: every entry point (HTML forms, the JSON
// API, the CLI, the reminder scheduler) calls the same method, which checks rights, validates
// its input, applies the domain, commits through the store and records audit entries. It speaks
// no HTTP: failures are typed errors (see errors.go) that adapters turn into status codes, form
// messages or one CLI line.
package workflow

import (
	"log/slog"
	"sync"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/signing"
	"github.com/piaf-dev/piaf/assessments/workflow/deliver"
	"github.com/piaf-dev/piaf/store"
)

// DefaultBaseURL is where a local instance is reached.
const DefaultBaseURL = "http://127.0.0.1:8080"

// Config is what the operations need to know about the instance.
type Config struct {
	// BaseURL is the address users reach piaf at, for links in reminders and mail.
	BaseURL string
	// SMTP is the mail server from the environment; it wins over the one stored in settings.
	SMTP *deliver.SMTPConfig
	// KeysDir holds the report signing keys, created on first use.
	KeysDir string
	// SignerIdentity names piaf in allowed_signers (default "piaf-reports").
	SignerIdentity string
	// AllowPrivateWebhooks lets webhooks reach loopback and private addresses.
	AllowPrivateWebhooks bool
}

// Service runs the operations. It is built once, in cmd/piaf, and shared by every adapter.
type Service struct {
	store *store.Store
	log   *slog.Logger
	cfg   Config
	now   func() time.Time

	keysOnce sync.Once
	keys     *signing.Keyring
	keysErr  error

	defsMu sync.Mutex
	defs   map[string]*questionnaire.Definition // parsed questionnaire versions, by key@version
}

// New builds the service.
func New(st *store.Store, log *slog.Logger, cfg Config) *Service {
	return &Service{store: st, log: log, cfg: cfg, now: time.Now}
}

// SetClock replaces the clock, for tests that move time instead of waiting.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Config is the configuration the service was built with.
func (s *Service) Config() Config { return s.cfg }

// Store is the store the operations commit through, for adapters' read-only views.
func (s *Service) Store() *store.Store { return s.store }

// Actor is who runs an operation: a signed-in user, or the system (User nil) for the scheduler
// and commands run on the server's machine.
type Actor struct {
	User       *assessments.User
	ClientAddr string
	// As names a system actor in the audit log ("cli:alice").
	As string
	// Token is the API token the request came with, nil for sessions and the system. A pipeline
	// token limits the actor to its project (see Access and pipeline.go).
	Token *assessments.APIToken
}

// System acts for piaf itself.
var System = Actor{}

func (a Actor) id() int64 {
	if a.User == nil {
		return 0
	}
	return a.User.ID
}

func (a Actor) email() string {
	if a.User == nil {
		return a.As
	}
	return a.User.Email
}

func (s *Service) absURL(path string) string { return s.cfg.BaseURL + path }
