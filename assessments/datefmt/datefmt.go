// Package datefmt is piaf's one date style, shared by pages, emails and reports: ISO 8601 dates
// (2026-12-05) and times of day in 24 hours with their zone (2026-12-05 00:44 UTC), so no reader
// has to guess whether 12/05 is May or December.
package datefmt

import (
	"strings"
	"time"
)

// Date is the day of t in loc (UTC when nil), as YYYY-MM-DD.
func Date(t time.Time, loc *time.Location) string { return in(t, loc).Format(time.DateOnly) }

// DateTime is t in loc (UTC when nil) as "YYYY-MM-DD HH:MM ZONE". The zone is its abbreviation
// when the zone database has one (UTC, CET), else the offset (+05:30): Go prints a numeric
// abbreviation like "+0530" for zones that have none, which reads as part of the time.
func DateTime(t time.Time, loc *time.Location) string {
	t = in(t, loc)
	return t.Format("2006-01-02 15:04") + " " + zone(t)
}

// Stamp is DateTime with seconds, for logs and audit entries where order within a minute matters.
func Stamp(t time.Time, loc *time.Location) string {
	t = in(t, loc)
	return t.Format("2006-01-02 15:04:05") + " " + zone(t)
}

// Day normalises a stored day ("YYYY-MM-DD", or an RFC 3339 time whose date is taken as written)
// for display; anything else is returned as it was, so a bad value shows rather than vanishes.
func Day(s string) string {
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return s
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.Format(time.DateOnly)
	}
	return s
}

func in(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc)
}

func zone(t time.Time) string {
	name, _ := t.Zone()
	if name != "" && !strings.ContainsAny(name, "+-0123456789") {
		return name
	}
	return t.Format("-07:00")
}
