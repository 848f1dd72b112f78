package workflow

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits every entry point applies alike. They are generous for prose and keep one project from
// filling the database.
const (
	MaxName          = 200   // names, sources, short answers
	MaxProse         = 10000 // purposes, descriptions, comments
	MaxEmail         = 254   // RFC 5321's path limit
	MaxDatasets      = 100   // datasets per project
	MaxCategories    = 100   // personal data categories per dataset
	MaxRecords       = 1e15  // approximate record count: a quadrillion is not approximate any more
	MaxPage          = 100000
	MaxPerPage       = 100
	DefaultPerPage   = 20
	minYear, maxYear = 1900, 2199
)

// CheckText refuses what is not text (NUL bytes, invalid UTF-8) and what is longer than limit
// characters. Every free-text field of every input goes through it.
func (p Problems) CheckText(field, value string, limit int) {
	switch {
	case !utf8.ValidString(value):
		p.Add(field, "Use only text: this contains bytes that are not valid UTF-8.")
	case strings.ContainsRune(value, 0):
		p.Add(field, "Use only text: this contains a NUL character.")
	case utf8.RuneCountInString(value) > limit:
		p.Add(field, "Use at most "+group(limit)+" characters (now "+group(utf8.RuneCountInString(value))+").")
	}
}

// Require refuses an empty value with message.
func (p Problems) Require(field, value, message string) {
	if strings.TrimSpace(value) == "" {
		p.Add(field, message)
	}
}

// ParseCount reads a whole number of things typed by a person: digits, optionally grouped with
// commas ("120,000"), from 0 to max. The number is exact or refused: no fractions, no exponents,
// nothing rounded.
func ParseCount(s string, max int64) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > max {
		return 0, false
	}
	return n, true
}

// CheckCount refuses a count outside 0..max.
func (p Problems) CheckCount(field string, n, max int64, message string) {
	if n < 0 || n > max {
		p.Add(field, message)
	}
}

// ParseDate reads a calendar date YYYY-MM-DD in a sane range (years 1900 to 2199): 0000-01-01
// and 2023-02-30 are refused.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) || t.Year() < minYear || t.Year() > maxYear {
		return time.Time{}, false
	}
	return t, true
}

// DateMessage is what a refused date is told.
const DateMessage = "Give a real date as YYYY-MM-DD, between 1900 and 2199."

// CheckEmail validates an email address as every entry point does, and returns it in lower
// case. An empty address gets its own message.
func (p Problems) CheckEmail(field, email string) string {
	email = strings.TrimSpace(email)
	switch addr, err := mail.ParseAddress(email); {
	case email == "":
		p.Add(field, "Enter an email address.")
	case !utf8.ValidString(email) || strings.ContainsRune(email, 0):
		p.Add(field, "Enter an email address like name@example.org.")
	case err != nil || addr.Address != email || len(email) > MaxEmail:
		p.Add(field, "Enter an email address like name@example.org.")
	}
	return strings.ToLower(email)
}

// ParsePage reads a page number from a query parameter: empty is page 1; anything but a whole
// number from 1 to MaxPage is refused, so that an offset never overflows.
func ParsePage(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, ok := ParseCount(s, MaxPage)
	if !ok || n < 1 || strings.Contains(s, ",") {
		return 0, Invalid("page", "Give a page number from 1 to "+group(MaxPage)+".")
	}
	return int(n), nil
}

// ParsePerPage reads a page size: empty is DefaultPerPage; 1 to MaxPerPage.
func ParsePerPage(s string) (int, error) {
	if s == "" {
		return DefaultPerPage, nil
	}
	n, ok := ParseCount(s, MaxPerPage)
	if !ok || n < 1 || strings.Contains(s, ",") {
		return 0, Invalid("per_page", "Give a page size from 1 to "+strconv.Itoa(MaxPerPage)+".")
	}
	return int(n), nil
}

// group writes n with thousands separators: 10,000.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
