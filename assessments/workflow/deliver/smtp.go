package deliver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TLS modes of an SMTPConfig.
const (
	TLSStartTLS = "starttls" // plain connect, then STARTTLS, which the server must offer
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, usually port 465)
	TLSNone     = "none"     // no encryption; a password is only sent to localhost
)

// SMTPConfig says how to reach the mail server.
//
// Port 0 means the usual port for the TLS mode (587, 465 or 25) and an empty
// TLS means "starttls".
type SMTPConfig struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string // "piaf <piaf@example.org>" or a bare address
	TLS      string // "starttls" | "tls" | "none"

	// RootCAs, when set, replaces the system roots for verifying the server
	// certificate (tests, or a private CA).
	RootCAs *x509.CertPool
}

// ConfigFromEnv reads PIAF_SMTP_HOST, PIAF_SMTP_PORT, PIAF_SMTP_USER,
// PIAF_SMTP_PASSWORD, PIAF_SMTP_FROM and PIAF_SMTP_TLS. The bool reports
// whether any of them is set: when none is, the stored settings apply and the
// zero config is returned with a nil error. When some are set the config is
// validated and returned along with any error, so the caller can show it.
func ConfigFromEnv(getenv func(string) string) (SMTPConfig, bool, error) {
	names := []string{"PIAF_SMTP_HOST", "PIAF_SMTP_PORT", "PIAF_SMTP_USER",
		"PIAF_SMTP_PASSWORD", "PIAF_SMTP_FROM", "PIAF_SMTP_TLS"}
	set := false
	for _, n := range names {
		if getenv(n) != "" {
			set = true
			break
		}
	}
	if !set {
		return SMTPConfig{}, false, nil
	}
	cfg := SMTPConfig{
		Host:     strings.TrimSpace(getenv("PIAF_SMTP_HOST")),
		User:     getenv("PIAF_SMTP_USER"),
		Password: getenv("PIAF_SMTP_PASSWORD"),
		From:     strings.TrimSpace(getenv("PIAF_SMTP_FROM")),
		TLS:      strings.ToLower(strings.TrimSpace(getenv("PIAF_SMTP_TLS"))),
	}
	if p := strings.TrimSpace(getenv("PIAF_SMTP_PORT")); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil {
			return cfg, true, fmt.Errorf("PIAF_SMTP_PORT %q is not a number", p)
		}
		cfg.Port = port
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Port == 0 {
		cfg.Port = cfg.port()
	}
	return cfg, true, cfg.Validate()
}

// Validate reports the first problem with the config in words an admin can
// act on.
func (c SMTPConfig) Validate() error {
	switch {
	case c.Host == "":
		return errors.New("the SMTP host is missing")
	case strings.ContainsAny(c.Host, " \t\r\n/:") && net.ParseIP(c.Host) == nil:
		return fmt.Errorf("the SMTP host %q is not a host name (leave out the scheme and port)", c.Host)
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("the SMTP port %d is not between 1 and 65535", c.Port)
	case c.TLS != "" && c.TLS != TLSStartTLS && c.TLS != TLSImplicit && c.TLS != TLSNone:
		return fmt.Errorf("the SMTP TLS mode %q is not one of starttls, tls or none", c.TLS)
	case c.From == "":
		return errors.New("the sender address (From) is missing")
	case c.User == "" && c.Password != "":
		return errors.New("an SMTP password is set without a user")
	case c.User != "" && c.Password == "":
		return errors.New("an SMTP user is set without a password")
	case c.User != "" && c.mode() == TLSNone && !isLocalhost(c.Host):
		return errors.New("refusing to send the SMTP password unencrypted: use starttls or tls")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("the sender address %q is not an email address", c.From)
	}
	return nil
}

func (c SMTPConfig) mode() string {
	if c.TLS == "" {
		return TLSStartTLS
	}
	return c.TLS
}

func (c SMTPConfig) port() int {
	if c.Port != 0 {
		return c.Port
	}
	switch c.mode() {
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 587
}

// isLocalhost matches net/smtp, which sends PLAIN credentials without TLS
// only to these names.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Mailer sends email through one SMTP server, one connection per message.
// It is safe for concurrent use.
type Mailer struct {
	cfg     SMTPConfig
	timeout time.Duration    // whole conversation, unless ctx ends sooner
	now     func() time.Time // Date header
	helo    string
}

// NewMailer returns a Mailer for cfg. The config is checked on each Send, so
// a bad one surfaces where the sending is logged.
func NewMailer(cfg SMTPConfig) *Mailer {
	return &Mailer{cfg: cfg, timeout: 30 * time.Second, now: time.Now, helo: heloName()}
}

// heloName is the machine's name when it looks fully qualified; some servers
// reject a bare one, and "localhost" is what net/smtp would say anyway.
func heloName() string {
	h, err := os.Hostname()
	if err != nil || !strings.Contains(h, ".") || strings.ContainsAny(h, " \r\n") {
		return "localhost"
	}
	return h
}

// Send delivers e. It returns nil once the server has accepted the message
// (the end of DATA); a failure after that, such as on QUIT, is ignored so the
// caller does not send the message twice. Use Permanent to tell a rejection
// from a failure worth retrying.
func (m *Mailer) Send(ctx context.Context, e Email) error { return m.SendAccepted(ctx, e, nil) }

// quitTimeout bounds the wait for the answer to QUIT, which changes nothing once the message is
// accepted.
const quitTimeout = 5 * time.Second

// SendAccepted is Send that calls accepted (when not nil) the moment the server answers the end
// of DATA with its final 2xx, before QUIT. That reply is where the server takes responsibility
// for the message, so a caller that records the message as sent in accepted leaves the smallest
// window SMTP allows for a duplicate: a crash between that reply arriving and the record being
// written. Waiting for QUIT's answer first would widen it by however long the server takes.
func (m *Mailer) SendAccepted(ctx context.Context, e Email, accepted func()) error {
	if err := m.cfg.Validate(); err != nil {
		return fmt.Errorf("deliver: smtp config: %w", err)
	}
	from, err := mail.ParseAddress(m.cfg.From)
	if err != nil {
		return fmt.Errorf("deliver: smtp from: %w", err)
	}
	msg, rcpts, err := buildMessage(e, from, m.now())
	if err != nil {
		return fmt.Errorf("deliver: %w", permanentError{err})
	}

	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	if err := m.send(ctx, from.Address, rcpts, msg, accepted); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return fmt.Errorf("deliver: smtp %s: %w", net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.port())), err)
	}
	return nil
}

func (m *Mailer) send(ctx context.Context, from string, rcpts []string, msg []byte, accepted func()) error {
	host := m.cfg.Host
	tlsConfig := &tls.Config{ServerName: host, RootCAs: m.cfg.RootCAs, MinVersion: tls.VersionTLS12}
	addr := net.JoinHostPort(host, strconv.Itoa(m.cfg.port()))

	dialer := &net.Dialer{}
	var conn net.Conn
	var err error
	if m.cfg.mode() == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConfig}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return err
	}
	// When ctx ends (Send gave it a deadline), a past deadline on the raw
	// connection unblocks whatever read or write is in progress, also in the
	// TLS layer that STARTTLS puts on top. Doing it only then, rather than
	// setting ctx's deadline on the connection, means a timeout always
	// surfaces with ctx.Err() set.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(m.helo); err != nil {
		return err
	}
	if m.cfg.mode() == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("server does not offer STARTTLS, which the config requires (set TLS to \"tls\" or \"none\" if that is intended)")
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if m.cfg.User != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return errors.New("server does not offer AUTH, but a user is configured")
		}
		if !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			return fmt.Errorf("server offers AUTH %s but not PLAIN", mechs)
		}
		// PlainAuth itself refuses to send the password without TLS unless
		// the host is localhost.
		if err := c.Auth(smtp.PlainAuth("", m.cfg.User, m.cfg.Password, host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("rcpt to %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	// Accepted. Whatever QUIT says, the message is on its way: record it now, then say goodbye
	// without waiting long for the answer.
	if accepted != nil {
		accepted()
	}
	conn.SetDeadline(time.Now().Add(quitTimeout))
	_ = c.Quit()
	return nil
}

// Permanent reports whether sending the same Email again cannot succeed: the
// Email itself is invalid (no recipient, a malformed address) or the server
// rejected it with an SMTP 5xx reply (unknown recipient, failed
// authentication). Network errors, timeouts, 4xx replies and config errors
// are not permanent: a later attempt, or a fixed config, may succeed.
func Permanent(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500 && te.Code < 600
	}
	var pe permanentError
	return errors.As(err, &pe)
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }
