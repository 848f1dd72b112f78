package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/piaf-dev/piaf/assessments/passwords"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/assessments/workflow/deliver"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/web"
)

type serveConfig struct {
	trustedProxies string
	uploadLimit    string
	remindEvery    time.Duration
	addr           string
	data           string
	tlsCert        string
	tlsKey         string
	web            web.Config
}

func serveFlags(e env) (*flag.FlagSet, *serveConfig) {
	c := &serveConfig{web: web.DefaultConfig()}
	fs := newFlags("piaf serve", "piaf [serve] [flags]", e)
	fs.StringVar(&c.addr, "addr", envOr(e, "PIAF_ADDR", "127.0.0.1:8080"), "address to listen on (env PIAF_ADDR)")
	fs.StringVar(&c.data, "data", envOr(e, "PIAF_DATA", "data"), "data folder holding the database and keys, created with mode 0700 (env PIAF_DATA)")
	fs.StringVar(&c.web.BaseURL, "base-url", envOr(e, "PIAF_BASE_URL", ""), "address users reach piaf at, for links piaf hands out (env PIAF_BASE_URL; default http://ADDR)")
	trust, _ := strconv.ParseBool(envOr(e, "PIAF_TRUST_PROXY", "false"))
	fs.BoolVar(&c.web.TrustProxy, "trust-proxy", trust, "trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy on this machine or at --trusted-proxies (env PIAF_TRUST_PROXY)")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", envOr(e, "PIAF_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDR ranges of reverse proxies on other hosts (env PIAF_TRUSTED_PROXIES)")
	fs.StringVar(&c.tlsCert, "tls-cert", envOr(e, "PIAF_TLS_CERT", ""), "serve HTTPS with this PEM certificate (env PIAF_TLS_CERT; needs --tls-key)")
	fs.StringVar(&c.tlsKey, "tls-key", envOr(e, "PIAF_TLS_KEY", ""), "PEM private key for --tls-cert (env PIAF_TLS_KEY)")
	fs.DurationVar(&c.web.Sessions.Idle, "session-idle", envDuration(e, "PIAF_SESSION_IDLE", c.web.Sessions.Idle), "sign out after this long without activity (env PIAF_SESSION_IDLE)")
	privateHooks, _ := strconv.ParseBool(envOr(e, "PIAF_ALLOW_PRIVATE_WEBHOOKS", "false"))
	fs.BoolVar(&c.web.AllowPrivateWebhooks, "allow-private-webhooks", privateHooks, "let webhooks reach loopback and private addresses (env PIAF_ALLOW_PRIVATE_WEBHOOKS)")
	fs.StringVar(&c.web.MetricsToken, "metrics-token", envOr(e, "PIAF_METRICS_TOKEN", ""), "require this bearer token to read /metrics (env PIAF_METRICS_TOKEN; default: only requests from this machine not forwarded by a proxy)")
	fs.StringVar(&c.uploadLimit, "upload-limit", envOr(e, "PIAF_UPLOAD_LIMIT", "200MB"), "largest PII sample or leak-test file piaf reads, streamed and never stored: e.g. 200MB, 1GB (env PIAF_UPLOAD_LIMIT)")
	fs.DurationVar(&c.remindEvery, "remind-every", envDuration(e, "PIAF_REMIND_EVERY", 5*time.Minute), "how often the server looks for reminders to send; 0 turns the scheduler off (env PIAF_REMIND_EVERY)")
	fs.DurationVar(&c.web.Sessions.Absolute, "session-max", envDuration(e, "PIAF_SESSION_MAX", c.web.Sessions.Absolute), "sign out this long after sign-in, however active (env PIAF_SESSION_MAX)")
	return fs, c
}

func envDuration(e env, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(e.getenv(name)); err == nil {
		return d
	}
	return def
}

// check validates rules that involve several options.
func (c *serveConfig) check() error {
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return errors.New("serve: --tls-cert and --tls-key go together")
	}
	if c.web.Sessions.Idle <= 0 || c.web.Sessions.Absolute < c.web.Sessions.Idle {
		return errors.New("serve: --session-idle must be positive and no longer than --session-max")
	}
	for _, part := range strings.Split(c.trustedProxies, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			if strings.Contains(part, ":") {
				part += "/128"
			} else {
				part += "/32"
			}
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return fmt.Errorf("serve: --trusted-proxies: %q is not an address or CIDR range", part)
		}
		c.web.TrustedProxies = append(c.web.TrustedProxies, n)
	}
	limit, err := parseSize(c.uploadLimit)
	if err != nil {
		return fmt.Errorf("serve: --upload-limit: %v", err)
	}
	c.web.UploadLimit = limit
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return fmt.Errorf("serve: --addr %q: want host:port, e.g. 127.0.0.1:8080", c.addr)
	}
	if c.web.BaseURL == "" {
		scheme := "http"
		if c.tlsCert != "" {
			scheme = "https"
		}
		c.web.BaseURL = scheme + "://" + c.addr
	}
	return nil
}

// defaultMemoryLimit is the server's soft memory limit for the Go heap, unless GOMEMLIMIT is set.
// SQLite's page caches (2 MB per connection) and the binary come on top of it.
const defaultMemoryLimit = 96 << 20

func serve(ctx context.Context, args []string, e env) (err error) {
	fs, cfg := serveFlags(e)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := cfg.check(); err != nil {
		return err
	}
	if e.getenv("GOMEMLIMIT") == "" {
		// A soft limit on the Go heap: under load the collector runs sooner instead of letting
		// the heap (and the resident memory) grow to twice the live data. GOMEMLIMIT overrides.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(defaultMemoryLimit))
	}
	if cfg.web.SMTP, err = smtpFromEnv(e); err != nil {
		return err
	}
	cfg.web.KeysDir = filepath.Join(cfg.data, "keys")
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	st, err := store.Open(ctx, cfg.data)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	verdict, err := startupCheck(ctx, st, log)
	if err != nil {
		return err
	}
	if err := firstRun(ctx, st, log, cfg.web.BaseURL, e); err != nil {
		return err
	}
	// piaf remind, run from the shell, links to the address the server was last reached at.
	if err := st.SetSetting(ctx, "base_url", cfg.web.BaseURL, 0); err != nil {
		return err
	}
	wf := workflow.New(st, log, cfg.web.WorkflowConfig())
	app := web.NewWith(wf, log, cfg.web)
	app.SetStartupCheck(verdict)
	// Signing keys are made on the first start (files mode 0600), not at the first export.
	fingerprints, err := wf.EnsureKeys()
	if err != nil {
		return fmt.Errorf("serve: signing keys in %s: %w", cfg.web.KeysDir, err)
	}
	log.Info("report signing keys", "keys", fingerprints)
	srv := &http.Server{
		Addr:              cfg.addr,
		Handler:           app.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(app.StopReadingBodies)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	go sweepSessions(ctx, st, cfg.web.Sessions, log)
	go verifyAuditLog(ctx, st, 6*time.Hour, log)
	// The scheduler stops with ctx; the database closes only after its pass ends.
	var background sync.WaitGroup
	defer background.Wait()
	if cfg.remindEvery > 0 {
		background.Go(func() { wf.RunReminders(ctx, cfg.remindEvery) })
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.tlsCert != "" {
			errc <- srv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	log.Info("piaf is serving", "url", cfg.web.BaseURL, "data", cfg.data)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	log.Info("stopped cleanly")
	return nil
}

// startupCheckBudget bounds the quick check at start: a large database is checked in part, with a
// warning, rather than delaying the start without end.
const startupCheckBudget = 10 * time.Second

// startupCheck reads the whole database file once before serving, so that overwritten pages
// stop the start instead of failing history reads later. Its verdict is "ok" or "incomplete".
func startupCheck(ctx context.Context, st *store.Store, log *slog.Logger) (string, error) {
	checkCtx, cancel := context.WithTimeout(ctx, startupCheckBudget)
	defer cancel()
	rep, err := st.QuickCheck(checkCtx)
	switch {
	case err != nil && ctx.Err() == nil && checkCtx.Err() != nil:
		log.Warn("the start-up check of the database did not finish in time; run 'piaf check' for a full one", "budget", startupCheckBudget)
		return "incomplete", nil
	case err != nil:
		return "", fmt.Errorf("serve: start-up check: %w", err)
	case !rep.OK():
		return "", fmt.Errorf("serve: the database %s is damaged (%s); piaf will not serve from it: run 'piaf check' for a report and restore a backup", st.Path(), rep.Problems[0])
	}
	return "ok", nil
}

// firstRun makes sure a new instance gets an administrator, never with a default password:
// from PIAF_ADMIN_EMAIL and PIAF_ADMIN_PASSWORD if set, otherwise through a one-time setup link.
func firstRun(ctx context.Context, st *store.Store, log *slog.Logger, baseURL string, e env) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	email, password := e.getenv("PIAF_ADMIN_EMAIL"), e.getenv("PIAF_ADMIN_PASSWORD")
	if email != "" || password != "" {
		if email == "" || password == "" {
			return errors.New("set both PIAF_ADMIN_EMAIL and PIAF_ADMIN_PASSWORD, or neither to get a setup link")
		}
		if err := passwords.CheckPolicy(password, email); err != nil {
			return fmt.Errorf("PIAF_ADMIN_PASSWORD: %v", err)
		}
		u, err := st.CreateUser(ctx, store.NewUser{Email: email, PasswordHash: passwords.Hash(password), IsAdmin: true})
		if err != nil {
			return err
		}
		log.Info("created the first administrator from the environment", "email", u.Email)
		return nil
	}
	token, err := st.CreateLink(ctx, store.LinkSetup, 0, 10*365*24*time.Hour)
	if err != nil {
		return err
	}
	log.Info("piaf has no accounts yet: open the setup link to create the first administrator (it works once)",
		"setup_url", baseURL+"/setup/"+token)
	return nil
}

func sweepSessions(ctx context.Context, st *store.Store, p store.SessionPolicy, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := st.DeleteExpiredSessions(ctx, p); err != nil && ctx.Err() == nil {
				log.Error("delete expired sessions", "err", err)
			}
		}
	}
}

// verifyAuditLog walks the whole audit chain every period (the audit page verifies only what is
// new since the verified head) and records what it found, which the audit page then shows.
func verifyAuditLog(ctx context.Context, st *store.Store, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rep, err := st.VerifyAudit(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("verify the audit log", "err", err)
			case err == nil && rep.Bad != nil:
				log.Error("the audit log has been tampered with", "entry", rep.Bad.Seq, "reason", rep.Bad.Reason)
			}
		}
	}
}

// smtpFromEnv reads the mail server from PIAF_SMTP_*; nil when none is set.
func smtpFromEnv(e env) (*deliver.SMTPConfig, error) {
	c, set, err := deliver.ConfigFromEnv(e.getenv)
	if !set {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("PIAF_SMTP_*: %v", err)
	}
	return &c, nil
}

// parseSize reads a size such as 200MB, 1.5GB, 512KB or a number of bytes (units of 1024).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 || v*float64(mult) > 1<<40 {
		return 0, fmt.Errorf("%q is not a size such as 200MB or 1GB", s)
	}
	return int64(v * float64(mult)), nil
}
