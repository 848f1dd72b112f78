package deliver

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"html"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// received is one message as the test SMTP server saw it.
type received struct {
	From        string
	To          []string
	Data        []byte
	TLS         bool // the DATA arrived over TLS
	AuthUser    string
	AuthOverTLS bool
}

// mailbox is a go-smtp backend that keeps what it receives.
type mailbox struct {
	user, password string // when set, AUTH is required before MAIL

	mu   sync.Mutex
	msgs []received
}

func (b *mailbox) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	return &session{box: b, conn: c}, nil
}

func (b *mailbox) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

type session struct {
	box  *mailbox
	conn *gosmtp.Conn
	cur  received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, password string) error {
		if user != s.box.user || password != s.box.password {
			return gosmtp.ErrAuthFailed
		}
		s.cur.AuthUser = user
		_, s.cur.AuthOverTLS = s.conn.TLSConnectionState()
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.box.user != "" && s.cur.AuthUser == "" {
		return gosmtp.ErrAuthRequired
	}
	s.cur.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg := s.cur
	msg.Data = data
	_, msg.TLS = s.conn.TLSConnectionState()
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, msg)
	s.box.mu.Unlock()
	return nil
}

func (s *session) Reset() {
	s.cur = received{AuthUser: s.cur.AuthUser, AuthOverTLS: s.cur.AuthOverTLS}
}

func (s *session) Logout() error { return nil }

// startSMTP runs a go-smtp server on 127.0.0.1 until the test ends. mode
// "starttls" offers STARTTLS with cert, "tls" speaks TLS from the start,
// "none" offers no TLS and allows AUTH in the clear.
func startSMTP(t *testing.T, box *mailbox, mode string, cert *tls.Certificate) (host string, port int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := gosmtp.NewServer(box)
	s.Domain = "localhost"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	switch mode {
	case "starttls":
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	case "tls":
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{*cert}})
	case "none":
		s.AllowInsecureAuth = true
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	addr := l.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

// selfSignedCert makes a certificate for 127.0.0.1 and localhost and a pool
// that trusts it.
func selfSignedCert(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "piaf test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

const (
	testLink     = "https://piaf.example/projects/3/assessments/7?tab=review&from=email"
	testSettings = "https://piaf.example/account/notifications"
	testSubject  = "Réexamen dû : « Chatbot RH » — dans 7 jours ✓"
)

func testEmail() Email {
	title := "Review due: Chatbot RH"
	intro := "The assessment of Chatbot RH is due for review on 8 March 2026.\n\nPlease start a new cycle."
	return Email{
		To:        []string{"Ana Owner <ana@example.org>", "bob@example.org"},
		Subject:   testSubject,
		Text:      EmailText(title, intro, testLink, "Open the assessment", testSettings),
		HTML:      EmailHTML(title, intro, testLink, "Open the assessment", testSettings),
		MessageID: "<reminder-review-7-d7@piaf.example>",
		Headers:   map[string]string{"X-Piaf-Reminder": "review-7-d7"},
	}
}

// parsedMail is a received message taken apart as a mail client would.
type parsedMail struct {
	Header     mail.Header
	Subject    string
	Text, HTML string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	if bytes.ContainsAny(bytes.ReplaceAll(data, []byte("\r\n"), nil), "\r\n") {
		t.Errorf("message has a bare CR or LF")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var p parsedMail
	p.Header = msg.Header
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		if cte := part.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("part Content-Transfer-Encoding = %q", cte)
		}
		ct, cp, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil || cp["charset"] != "utf-8" {
			t.Errorf("part Content-Type = %q", part.Header.Get("Content-Type"))
		}
		body, err := io.ReadAll(quotedprintable.NewReader(part))
		if err != nil {
			t.Fatalf("decode %s part: %v", ct, err)
		}
		if !utf8.Valid(body) {
			t.Errorf("%s part is not UTF-8", ct)
		}
		switch ct {
		case "text/plain":
			p.Text = string(body)
		case "text/html":
			p.HTML = string(body)
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	if p.Text == "" || p.HTML == "" {
		t.Fatalf("want both parts, got text %d bytes, html %d bytes", len(p.Text), len(p.HTML))
	}
	return p
}

func checkDelivered(t *testing.T, got received, e Email) {
	t.Helper()
	if got.From != "piaf@piaf.example" {
		t.Errorf("MAIL FROM = %q", got.From)
	}
	if want := []string{"ana@example.org", "bob@example.org"}; strings.Join(got.To, ",") != strings.Join(want, ",") {
		t.Errorf("RCPT TO = %v, want %v", got.To, want)
	}
	m := parseMail(t, got.Data)
	if m.Subject != testSubject {
		t.Errorf("subject = %q, want %q", m.Subject, testSubject)
	}
	if raw := m.Header.Get("Subject"); strings.ContainsFunc(raw, func(r rune) bool { return r > '~' }) {
		t.Errorf("raw Subject is not ASCII: %q", raw)
	}
	if id := m.Header.Get("Message-ID"); id != e.MessageID {
		t.Errorf("Message-ID = %q, want %q", id, e.MessageID)
	}
	if _, err := m.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Ana Owner" || to[0].Address != "ana@example.org" {
		t.Errorf("To = %v (%v)", to, err)
	}
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "piaf – Équipe" {
		t.Errorf("From = %v (%v)", from, err)
	}
	if m.Header.Get("X-Piaf-Reminder") != "review-7-d7" || m.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("extra headers missing: %v", m.Header)
	}
	if !strings.Contains(m.Text, testLink) || !strings.Contains(m.Text, "Change what piaf sends you: "+testSettings) {
		t.Errorf("text part lacks the link or settings footer:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, `href="`+html.EscapeString(testLink)+`"`) || !strings.Contains(html.UnescapeString(m.HTML), testSettings) {
		t.Errorf("HTML part lacks the link or settings footer:\n%s", m.HTML)
	}
}

func testConfig(host string, port int, mode string) SMTPConfig {
	return SMTPConfig{Host: host, Port: port, From: "piaf – Équipe <piaf@piaf.example>", TLS: mode}
}

func TestMailerPlain(t *testing.T) {
	box := &mailbox{}
	host, port := startSMTP(t, box, "none", nil)
	e := testEmail()
	if err := NewMailer(testConfig(host, port, TLSNone)).Send(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	msgs := box.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	if msgs[0].TLS {
		t.Error("plain delivery used TLS")
	}
	checkDelivered(t, msgs[0], e)
}

func TestMailerPlainAuthToLocalhost(t *testing.T) {
	box := &mailbox{user: "piaf", password: "s3cret"}
	host, port := startSMTP(t, box, "none", nil)
	cfg := testConfig(host, port, TLSNone)
	cfg.User, cfg.Password = "piaf", "s3cret"
	if err := NewMailer(cfg).Send(t.Context(), testEmail()); err != nil {
		t.Fatal(err)
	}
	if msgs := box.messages(); len(msgs) != 1 || msgs[0].AuthUser != "piaf" {
		t.Fatalf("messages = %+v", msgs)
	}
}

func TestMailerSTARTTLSWithAuth(t *testing.T) {
	cert, roots := selfSignedCert(t)
	box := &mailbox{user: "piaf", password: "s3cret"}
	host, port := startSMTP(t, box, "starttls", cert)
	cfg := testConfig(host, port, TLSStartTLS)
	cfg.User, cfg.Password, cfg.RootCAs = "piaf", "s3cret", roots
	e := testEmail()
	if err := NewMailer(cfg).Send(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	msgs := box.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	if !msgs[0].TLS || msgs[0].AuthUser != "piaf" || !msgs[0].AuthOverTLS {
		t.Errorf("TLS=%v auth user=%q auth over TLS=%v, want true, piaf, true", msgs[0].TLS, msgs[0].AuthUser, msgs[0].AuthOverTLS)
	}
	checkDelivered(t, msgs[0], e)
}

func TestMailerImplicitTLS(t *testing.T) {
	cert, roots := selfSignedCert(t)
	box := &mailbox{user: "piaf", password: "s3cret"}
	host, port := startSMTP(t, box, "tls", cert)
	cfg := testConfig(host, port, TLSImplicit)
	cfg.User, cfg.Password, cfg.RootCAs = "piaf", "s3cret", roots
	if err := NewMailer(cfg).Send(t.Context(), testEmail()); err != nil {
		t.Fatal(err)
	}
	if msgs := box.messages(); len(msgs) != 1 || !msgs[0].TLS || !msgs[0].AuthOverTLS {
		t.Fatalf("messages = %+v", msgs)
	}
}

func TestMailerSTARTTLSNotOffered(t *testing.T) {
	box := &mailbox{}
	host, port := startSMTP(t, box, "plain-no-starttls", nil)
	err := NewMailer(testConfig(host, port, TLSStartTLS)).Send(t.Context(), testEmail())
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Fatalf("err = %v, want one about STARTTLS not offered", err)
	}
	if Permanent(err) {
		t.Error("a server without STARTTLS is a config problem, not a permanent rejection")
	}
	if n := len(box.messages()); n != 0 {
		t.Errorf("%d messages delivered without TLS", n)
	}
}

func TestMailerUntrustedCertificate(t *testing.T) {
	cert, _ := selfSignedCert(t)
	box := &mailbox{}
	host, port := startSMTP(t, box, "starttls", cert)
	err := NewMailer(testConfig(host, port, TLSStartTLS)).Send(t.Context(), testEmail())
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v, want an unknown authority error", err)
	}
	if n := len(box.messages()); n != 0 {
		t.Errorf("%d messages delivered over an unverified connection", n)
	}
}

func TestMailerRejections(t *testing.T) {
	box := &mailbox{user: "piaf", password: "s3cret"}
	host, port := startSMTP(t, box, "none", nil)
	cfg := testConfig(host, port, TLSNone)

	cfg.User, cfg.Password = "piaf", "wrong"
	err := NewMailer(cfg).Send(t.Context(), testEmail())
	if err == nil || !Permanent(err) {
		t.Errorf("wrong password: err = %v, permanent = %v", err, Permanent(err))
	}

	cfg.Password = "s3cret"
	e := testEmail()
	e.To = []string{"nobody@example.org"}
	err = NewMailer(cfg).Send(t.Context(), e)
	if err == nil || !Permanent(err) || !strings.Contains(err.Error(), "nobody@example.org") {
		t.Errorf("unknown recipient: err = %v, permanent = %v", err, Permanent(err))
	}

	e.To = nil
	if err := NewMailer(cfg).Send(t.Context(), e); err == nil || !Permanent(err) {
		t.Errorf("no recipient: err = %v, permanent = %v", err, Permanent(err))
	}
	if n := len(box.messages()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}

func TestMailerHonoursContext(t *testing.T) {
	// A server that accepts the connection and never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	defer func() {
		l.Close()
		for len(conns) > 0 {
			(<-conns).Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = NewMailer(testConfig("127.0.0.1", port, TLSNone)).Send(ctx, testEmail())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %s after a 200ms deadline", d)
	}

	// The mailer's own timeout applies when ctx has none.
	m := NewMailer(testConfig("127.0.0.1", port, TLSNone))
	m.timeout = 200 * time.Millisecond
	if err := m.Send(t.Context(), testEmail()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
}

func TestSMTPConfigValidate(t *testing.T) {
	ok := SMTPConfig{Host: "smtp.example.org", Port: 587, From: "piaf@example.org", TLS: "starttls"}
	tests := []struct {
		name   string
		change func(*SMTPConfig)
		want   string // substring of the error; empty for valid
	}{
		{"valid", func(*SMTPConfig) {}, ""},
		{"defaults", func(c *SMTPConfig) { c.Port, c.TLS = 0, "" }, ""},
		{"no host", func(c *SMTPConfig) { c.Host = "" }, "host is missing"},
		{"url as host", func(c *SMTPConfig) { c.Host = "smtp://mail.example.org:25" }, "not a host name"},
		{"ipv6 host", func(c *SMTPConfig) { c.Host = "::1" }, ""},
		{"bad port", func(c *SMTPConfig) { c.Port = 70000 }, "port"},
		{"bad tls", func(c *SMTPConfig) { c.TLS = "ssl" }, "starttls, tls or none"},
		{"no from", func(c *SMTPConfig) { c.From = "" }, "From"},
		{"bad from", func(c *SMTPConfig) { c.From = "piaf at example" }, "not an email address"},
		{"user without password", func(c *SMTPConfig) { c.User = "u" }, "without a password"},
		{"password without user", func(c *SMTPConfig) { c.Password = "p" }, "without a user"},
		{"password in clear", func(c *SMTPConfig) { c.User, c.Password, c.TLS = "u", "p", "none" }, "unencrypted"},
		{"password in clear to localhost", func(c *SMTPConfig) { c.User, c.Password, c.TLS, c.Host = "u", "p", "none", "localhost" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	cfg, set, err := ConfigFromEnv(env(nil))
	if set || err != nil || cfg != (SMTPConfig{}) {
		t.Errorf("empty environment: %+v, %v, %v", cfg, set, err)
	}

	cfg, set, err = ConfigFromEnv(env(map[string]string{
		"PIAF_SMTP_HOST": "mail.example.org", "PIAF_SMTP_FROM": "piaf <piaf@example.org>",
		"PIAF_SMTP_USER": "piaf", "PIAF_SMTP_PASSWORD": "pw", "PIAF_SMTP_TLS": " TLS ",
	}))
	want := SMTPConfig{Host: "mail.example.org", Port: 465, User: "piaf", Password: "pw", From: "piaf <piaf@example.org>", TLS: "tls"}
	if !set || err != nil || cfg != want {
		t.Errorf("got %+v, %v, %v; want %+v", cfg, set, err, want)
	}

	cfg, _, _ = ConfigFromEnv(env(map[string]string{"PIAF_SMTP_HOST": "h", "PIAF_SMTP_FROM": "a@b"}))
	if cfg.TLS != "starttls" || cfg.Port != 587 {
		t.Errorf("defaults: %+v", cfg)
	}

	_, set, err = ConfigFromEnv(env(map[string]string{"PIAF_SMTP_PORT": "smtp"}))
	if !set || err == nil || !strings.Contains(err.Error(), "PIAF_SMTP_PORT") {
		t.Errorf("bad port: %v, %v", set, err)
	}
	_, set, err = ConfigFromEnv(env(map[string]string{"PIAF_SMTP_PASSWORD": "pw"}))
	if !set || err == nil {
		t.Errorf("only a password: %v, %v", set, err)
	}
}
