// Package templates holds piaf's HTML: templ components, one view model per page, and the layout
// they share.
package templates

import (
	"net/url"
	"strconv"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/datefmt"
)

// Page is what the layout needs from every page.
type Page struct {
	Title string
	User  *assessments.User // nil when signed out
	CSRF  string
	Flash string
	Nav   string // the navigation entry to mark current: "dashboard", "projects", "admin", "account"
	// Unread counts the user's unread notifications, for the bell.
	Unread int
}

// Form carries what a user submitted and what was wrong with it, so a failed form is shown again
// with everything typed still in place and each message beside its field.
type Form struct {
	Values url.Values
	Errors map[string]string
	// Prefix goes before every element id the form's fields use, so that two forms on one page
	// with fields of the same name keep their labels apart.
	Prefix string
}

// Prefixed returns the form with ids prefixed by p.
func (f Form) Prefixed(p string) Form {
	f.Prefix = p
	return f
}

func (f Form) id(name string) string { return f.Prefix + name }

// NewForm returns an empty form.
func NewForm() Form { return Form{Values: url.Values{}, Errors: map[string]string{}} }

// Get is the submitted value of a field.
func (f Form) Get(name string) string { return f.Values.Get(name) }

// Err is the message for a field, empty when it is fine.
func (f Form) Err(name string) string { return f.Errors[name] }

// Set records a value.
func (f Form) Set(name, value string) { f.Values.Set(name, value) }

// Fail records a message for a field.
func (f Form) Fail(name, message string) { f.Errors[name] = message }

// Valid tells whether no field has a message.
func (f Form) Valid() bool { return len(f.Errors) == 0 }

// Option is one entry of a select.
type Option struct {
	Value string
	Label string
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return datefmt.Date(t, nil)
}

func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return datefmt.DateTime(t, nil)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// RoleLabel is a role in words.
func RoleLabel(r assessments.Role) string {
	switch r {
	case assessments.RoleOwner:
		return "Owner"
	case assessments.RoleAssessor:
		return "Assessor"
	case assessments.RoleReviewer:
		return "Reviewer"
	case assessments.RoleViewer:
		return "Viewer"
	}
	return "Admin (not a member)"
}

// RoleOptions are the roles for a select.
func RoleOptions() []Option {
	var out []Option
	for _, r := range assessments.Roles {
		out = append(out, Option{Value: string(r), Label: RoleLabel(r)})
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// thousands writes 1234567 as 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// isAdminPage tells whether a page belongs to the administration, which has its own tabs.
func isAdminPage(nav string) bool {
	switch nav {
	case "admin", "users", "questionnaires", "audit", "settings":
		return true
	}
	return false
}

// maskURL shows where a webhook goes without its path, which often carries a secret.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	tail := ""
	if p := u.Path + u.RawQuery; len(p) > 4 {
		tail = "/…" + p[len(p)-4:]
	}
	return u.Scheme + "://" + u.Host + tail
}
