// Package field holds the rules every input of piaf follows, whichever entry point it comes
// through (form, API, CLI): text is valid UTF-8 without NUL and within a length, counts are
// exact whole numbers in range, dates are real calendar dates in a sane range, emails have one
// shape. Each rule returns the message to show, or "" when the value is fine.
package field

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Text checks a free-text value: valid UTF-8, no NUL, at most limit characters.
func Text(value string, limit int) string {
	switch {
	case !utf8.ValidString(value):
		return "Use only text: this contains bytes that are not valid UTF-8."
	case strings.ContainsRune(value, 0):
		return "Use only text: this contains a NUL character."
	case utf8.RuneCountInString(value) > limit:
		return "Use at most " + Group(limit) + " characters (now " + Group(utf8.RuneCountInString(value)) + ")."
	}
	return ""
}

// Count reads a whole number of things typed by a person: digits, optionally grouped with
// commas ("120,000"), from 0 to max. The number is exact or refused: no sign, fraction or
// exponent, nothing rounded.
func Count(s string, max int64) (int64, bool) {
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

// Years bounds dates: 0000-01-01 is a typo, not a date anyone plans by.
const (
	MinYear = 1900
	MaxYear = 2199
)

// Date reads a calendar date YYYY-MM-DD between MinYear and MaxYear; 2023-02-30 is refused.
func Date(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) || t.Year() < MinYear || t.Year() > MaxYear {
		return time.Time{}, false
	}
	return t, true
}

// DateMessage is what a refused date is told.
const DateMessage = "Give a real date as YYYY-MM-DD, between 1900 and 2199."

// MaxEmail is RFC 5321's limit on a path.
const MaxEmail = 254

// Email checks an address and returns it in lower case with the message ("" when fine).
func Email(email string) (string, string) {
	email = strings.TrimSpace(email)
	switch addr, err := mail.ParseAddress(email); {
	case email == "":
		return "", "Enter an email address."
	case !utf8.ValidString(email) || strings.ContainsRune(email, 0) || err != nil || addr.Address != email || len(email) > MaxEmail:
		return email, "Enter an email address like name@example.org."
	}
	return strings.ToLower(email), ""
}

// Group writes n with thousands separators: 10,000.
func Group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// IsText tells whether s is valid UTF-8 without NUL.
func IsText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// NotTextMessage is what a value that is not text is told, in the register's lower-case style.
const NotTextMessage = "use only text: no NUL characters or invalid UTF-8"
