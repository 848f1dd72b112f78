package deliver

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Email is one message. Every address in To sees the others; send one Email
// per person for private copies.
type Email struct {
	To      []string // "Name <a@example.org>" or bare addresses
	Subject string
	Text    string // required: the plain-text part
	HTML    string // optional: when set the message is multipart/alternative

	// MessageID is stable, derived by the caller from the reminder key
	// ("reminder-42@piaf.example"), so a receiver can drop a duplicate. The
	// angle brackets are optional; without "@" the From domain is appended.
	// Empty means a random one.
	MessageID string

	// Headers are extra headers such as Reply-To or List-Unsubscribe. They
	// cannot replace the ones Send writes itself.
	Headers map[string]string
}

// reservedHeaders are written by buildMessage and so refused in Email.Headers.
var reservedHeaders = []string{
	"Bcc", "Cc", "Content-Transfer-Encoding", "Content-Type", "Date", "From",
	"Message-Id", "Mime-Version", "Sender", "Subject", "To",
}

// buildMessage renders e as an RFC 5322 message with CRLF line endings and
// returns it with the envelope recipients.
func buildMessage(e Email, from *mail.Address, now time.Time) ([]byte, []string, error) {
	if len(e.To) == 0 {
		return nil, nil, errors.New("email has no recipient")
	}
	if strings.TrimSpace(e.Text) == "" {
		return nil, nil, errors.New("email has no text part")
	}
	var to []string
	var rcpts []string
	for _, s := range e.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, nil, fmt.Errorf("recipient %q is not an email address", s)
		}
		if slices.ContainsFunc(rcpts, func(r string) bool { return strings.EqualFold(r, a.Address) }) {
			continue
		}
		rcpts = append(rcpts, a.Address)
		to = append(to, a.String())
	}
	fromDomain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	msgID, err := messageID(e.MessageID, fromDomain)
	if err != nil {
		return nil, nil, err
	}

	var b bytes.Buffer
	writeHeader(&b, "Date", now.Format(time.RFC1123Z))
	writeHeader(&b, "From", from.String())
	writeHeader(&b, "To", strings.Join(to, ", "))
	writeHeader(&b, "Subject", encodeWords("Subject", oneLine(e.Subject)))
	writeHeader(&b, "Message-ID", msgID)
	extra := map[string]string{
		// RFC 3834: no out-of-office replies to reminders.
		"Auto-Submitted": "auto-generated",
	}
	for k, v := range e.Headers {
		k = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		if !validHeaderName(k) {
			return nil, nil, fmt.Errorf("header name %q is not valid", k)
		}
		if slices.Contains(reservedHeaders, k) {
			return nil, nil, fmt.Errorf("header %s is set by the mailer", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, nil, fmt.Errorf("header %s contains a line break", k)
		}
		extra[k] = v
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		writeHeader(&b, k, encodeWords(k, extra[k]))
	}
	writeHeader(&b, "MIME-Version", "1.0")

	if e.HTML == "" {
		writeHeader(&b, "Content-Type", "text/plain; charset=utf-8")
		writeHeader(&b, "Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, e.Text); err != nil {
			return nil, nil, err
		}
		if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
			b.WriteString("\r\n")
		}
		return b.Bytes(), rcpts, nil
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	writeHeader(&b, "Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// Least preferred first (RFC 2046 5.1.4): clients show the HTML part.
	for _, part := range []struct{ typ, content string }{
		{"text/plain; charset=utf-8", e.Text},
		{"text/html; charset=utf-8", e.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, nil, err
		}
		if err := writeQP(w, part.content); err != nil {
			return nil, nil, err
		}
	}
	// Close writes the final boundary, ending in CRLF.
	if err := mw.Close(); err != nil {
		return nil, nil, err
	}
	b.Write(body.Bytes())
	return b.Bytes(), rcpts, nil
}

// writeQP writes s quoted-printable; in text mode the encoder turns every
// line break into CRLF and keeps lines within 76 octets.
func writeQP(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, strings.ToValidUTF8(s, "\uFFFD")); err != nil {
		return err
	}
	return qp.Close()
}

// writeHeader writes "Name: value" folded at spaces so that lines stay within
// 78 octets where the value allows it (RFC 5322 2.1.1). Folding between
// encoded-words is invisible once decoded.
func writeHeader(b *bytes.Buffer, name, value string) {
	line := name + ":"
	for i, w := range strings.Split(value, " ") {
		piece := " " + w
		if i > 0 && len(line)+len(piece) > 78 && strings.TrimSpace(line) != "" {
			b.WriteString(line)
			b.WriteString("\r\n")
			line = ""
		}
		line += piece
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

// encodeWords returns an unstructured header value as is when it is
// printable ASCII, else as RFC 2047 Q encoded-words short enough that the
// first fits on the line after "name: " and each later one on a folded line,
// and that never split a character. (mime.QEncoding makes words of up to 75
// octets, which overflow the 78-octet line after the header name.)
func encodeWords(name, value string) string {
	if !strings.ContainsFunc(value, func(r rune) bool { return r < ' ' || r > '~' }) {
		return value
	}
	const prefix, suffix = "=?utf-8?q?", "?="
	room := min(75, 78-len(name)-2) - len(prefix) - len(suffix)
	var words []string
	var cur strings.Builder
	var buf [utf8.UTFMax]byte
	for _, r := range strings.ToValidUTF8(value, "\uFFFD") {
		var enc string
		switch {
		case r == ' ':
			enc = "_"
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("!*+-/", r)):
			enc = string(r)
		default:
			n := utf8.EncodeRune(buf[:], r)
			for _, c := range buf[:n] {
				enc += fmt.Sprintf("=%02X", c)
			}
		}
		if cur.Len()+len(enc) > room && cur.Len() > 0 {
			words = append(words, prefix+cur.String()+suffix)
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	words = append(words, prefix+cur.String()+suffix)
	return strings.Join(words, " ")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// messageID returns "<left@right>", adding the brackets and, when id has no
// "@", the sender's domain; an empty id gets a random left part.
func messageID(id, domain string) (string, error) {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	if id == "" {
		var r [16]byte
		rand.Read(r[:])
		id = hex.EncodeToString(r[:])
	}
	if !strings.Contains(id, "@") {
		id += "@" + domain
	}
	left, right, _ := strings.Cut(id, "@")
	if left == "" || right == "" || !dotAtom(left) || !dotAtom(right) {
		return "", fmt.Errorf("message id %q is not of the form left@right with letters, digits and !#$%%&'*+-/=?^_`{|}~.", id)
	}
	return "<" + id + ">", nil
}

// dotAtom reports whether s is RFC 5322 dot-atom-text.
func dotAtom(s string) bool {
	if strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", c):
		default:
			return false
		}
	}
	return true
}
