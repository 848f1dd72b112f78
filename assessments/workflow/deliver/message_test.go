package deliver

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

var testFrom = &mail.Address{Name: "piaf", Address: "piaf@piaf.example"}

func TestBuildMessageLines(t *testing.T) {
	long := strings.Repeat("Réévaluation nécessaire de l’analyse d’impact « Assistant de tri des candidatures » ", 3)
	e := Email{To: []string{"a@example.org"}, Subject: long, Text: "line one\nline two\r\n" + strings.Repeat("é", 200), HTML: "<p>x</p>"}
	msg, _, err := buildMessage(e, testFrom, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		t.Error("message does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(msg), "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i, line)
		}
		if len(line) > 78 {
			t.Errorf("line %d is %d octets: %q", i, len(line), line)
		}
		if line == " " {
			t.Errorf("line %d is only whitespace", i)
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || got != strings.TrimSpace(long) {
		t.Errorf("folded subject decodes to %q (%v), want %q", got, err, long)
	}
	if d := m.Header.Get("Date"); d != "Sun, 01 Mar 2026 09:00:00 +0000" {
		t.Errorf("Date = %q", d)
	}
}

func TestBuildMessageTextOnly(t *testing.T) {
	msg, rcpts, err := buildMessage(Email{To: []string{"A <a@example.org>", "a@EXAMPLE.org", "b@example.org"}, Subject: "Hi\r\nBcc: evil@example.org", Text: "hello"}, testFrom, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rcpts, ",") != "a@example.org,b@example.org" {
		t.Errorf("recipients = %v, want duplicates dropped", rcpts)
	}
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if m.Header.Get("Bcc") != "" || m.Header.Get("Subject") != "Hi Bcc: evil@example.org" {
		t.Errorf("a line break in the subject made a header: %v", m.Header)
	}
	if id := m.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@piaf.example>") {
		t.Errorf("random Message-ID = %q", id)
	}
}

func TestBuildMessageRefuses(t *testing.T) {
	base := Email{To: []string{"a@example.org"}, Subject: "s", Text: "t"}
	tests := []struct {
		name   string
		change func(*Email)
		want   string
	}{
		{"no recipient", func(e *Email) { e.To = nil }, "no recipient"},
		{"bad recipient", func(e *Email) { e.To = []string{"not an address"} }, "not an email address"},
		{"no text", func(e *Email) { e.Text = " " }, "no text part"},
		{"reserved header", func(e *Email) { e.Headers = map[string]string{"content-type": "text/html"} }, "set by the mailer"},
		{"header injection", func(e *Email) { e.Headers = map[string]string{"X-A": "1\r\nBcc: x@y"} }, "line break"},
		{"bad header name", func(e *Email) { e.Headers = map[string]string{"X A": "1"} }, "not valid"},
		{"bad message id", func(e *Email) { e.MessageID = "a b@c" }, "message id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			tt.change(&e)
			_, _, err := buildMessage(e, testFrom, time.Now())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<reminder-7@piaf.example>", "<reminder-7@piaf.example>"},
		{"reminder-7@piaf.example", "<reminder-7@piaf.example>"},
		{"reminder/review/7/d30", "<reminder/review/7/d30@example.org>"},
	}
	for _, tt := range tests {
		got, err := messageID(tt.in, "example.org")
		if err != nil || got != tt.want {
			t.Errorf("messageID(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"a@b@c", "<@x>", "a..b@c", "a@b c"} {
		if got, err := messageID(bad, "example.org"); err == nil {
			t.Errorf("messageID(%q) = %q, want an error", bad, got)
		}
	}
}
