package workflow

import (
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments/field"
)

// Limits every entry point applies alike. They are generous for prose and keep one project from
// filling the database.
const (
	MaxName        = 200   // names, sources, short answers
	MaxProse       = 10000 // purposes, descriptions, comments
	MaxDatasets    = 100   // datasets per project
	MaxCategories  = 100   // personal data categories per dataset
	MaxRecords     = 1e15  // approximate record count: a quadrillion is not approximate any more
	MaxPage        = 100000
	MaxPerPage     = 100
	DefaultPerPage = 20
)

// CheckText refuses what is not text (NUL bytes, invalid UTF-8) and what is longer than limit
// characters. Every free-text field of every input goes through it.
func (p Problems) CheckText(name, value string, limit int) {
	if msg := field.Text(value, limit); msg != "" {
		p.Add(name, msg)
	}
}

// Require refuses an empty value with message.
func (p Problems) Require(name, value, message string) {
	if strings.TrimSpace(value) == "" {
		p.Add(name, message)
	}
}

// ParseCount reads a whole number typed by a person (see field.Count).
func ParseCount(s string, max int64) (int64, bool) { return field.Count(s, max) }

// CheckCount refuses a count outside 0..max.
func (p Problems) CheckCount(name string, n, max int64, message string) {
	if n < 0 || n > max {
		p.Add(name, message)
	}
}

// CheckEmail validates an email address as every entry point does, and returns it in lower
// case.
func (p Problems) CheckEmail(name, email string) string {
	email, msg := field.Email(email)
	if msg != "" {
		p.Add(name, msg)
	}
	return email
}

// ParsePage reads a page number from a query parameter: empty is page 1; anything but a whole
// number from 1 to MaxPage is refused, so that an offset never overflows.
func ParsePage(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, ok := field.Count(s, MaxPage)
	if !ok || n < 1 || strings.Contains(s, ",") {
		return 0, Invalid("page", "Give a page number from 1 to "+field.Group(MaxPage)+".")
	}
	return int(n), nil
}

// ParsePerPage reads a page size: empty is DefaultPerPage; 1 to MaxPerPage.
func ParsePerPage(s string) (int, error) {
	if s == "" {
		return DefaultPerPage, nil
	}
	n, ok := field.Count(s, MaxPerPage)
	if !ok || n < 1 || strings.Contains(s, ",") {
		return 0, Invalid("per_page", "Give a page size from 1 to "+strconv.Itoa(MaxPerPage)+".")
	}
	return int(n), nil
}
