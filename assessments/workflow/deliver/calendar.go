package deliver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one all-day entry of a calendar feed.
type Event struct {
	// UID is stable across renderings so that calendar apps update an event
	// instead of duplicating it: the caller derives it from what the event
	// is about, e.g. "review-assessment-7@piaf". Empty means one derived from
	// Date and Summary, which changes when they do.
	UID         string
	Summary     string
	Description string
	URL         string
	Date        time.Time // the calendar date in Date's own location; zero leaves the event out
	Created     time.Time // optional
}

// Calendar renders events as an RFC 5545 iCalendar feed with CRLF line
// endings, lines folded at 75 octets, and DTSTAMP set to now in UTC.
func Calendar(name string, events []Event, now time.Time) []byte {
	var b bytes.Buffer
	line := func(s string) { writeFoldedLine(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//piaf//reminders//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("NAME:" + escapeText(name))
	line("X-WR-CALNAME:" + escapeText(name))
	// Hints for how often to poll (RFC 7986, and its older Apple/Microsoft form).
	line("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
	line("X-PUBLISHED-TTL:PT1H")
	stamp := icsUTC(now)
	for _, e := range events {
		if e.Date.IsZero() {
			continue
		}
		y, m, d := e.Date.Date()
		start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		uid := e.UID
		if uid == "" {
			sum := sha256.Sum256([]byte(start.Format(time.DateOnly) + "\x00" + e.Summary))
			uid = hex.EncodeToString(sum[:12]) + "@piaf"
		}
		line("BEGIN:VEVENT")
		line("UID:" + escapeText(uid))
		line("DTSTAMP:" + stamp)
		if !e.Created.IsZero() {
			line("CREATED:" + icsUTC(e.Created))
		}
		line("DTSTART;VALUE=DATE:" + start.Format("20060102"))
		line("DTEND;VALUE=DATE:" + start.AddDate(0, 0, 1).Format("20060102"))
		line("SUMMARY:" + escapeText(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + escapeText(e.Description))
		}
		if e.URL != "" {
			// URI values are not TEXT: no backslash escaping, only no controls.
			line("URL:" + stripControls(e.URL))
		}
		// A reminder does not make anyone busy.
		line("TRANSP:TRANSPARENT")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

func icsUTC(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escapeText escapes an RFC 5545 TEXT value (3.3.11): backslash, semicolon,
// comma and line breaks; other control characters are not allowed and are
// dropped.
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n', '\r':
			b.WriteString(`\n`)
		default:
			if r != '\t' && (r < 0x20 || r == 0x7f) {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// writeFoldedLine writes a content line folded so that no physical line is
// longer than 75 octets without its CRLF (RFC 5545 3.1). A continuation
// starts with a space, which counts, and a cut never falls inside a UTF-8
// sequence.
func writeFoldedLine(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
