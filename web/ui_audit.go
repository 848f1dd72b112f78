package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

const auditPerPage = 50

// adminAudit shows the audit log, filtered and paged by seq (?before=), under a banner that says
// whether its hash chain is intact. Each view verifies the entries written since the last
// verified head and reports what the last full walk (piaf check, the server's periodic check)
// found, so its cost follows what is new, not the length of the log.
func (s *Server) adminAudit(c echo.Context) error {
	ctx := c.Request().Context()
	f := formFrom(c, "action", "actor", "target", "from", "to")
	q := store.AuditQuery{Action: f.Get("action"), Actor: f.Get("actor"), Target: f.Get("target"), Limit: auditPerPage}
	q.Since = auditFilterDate(f, "from")
	if to := auditFilterDate(f, "to"); !to.IsZero() {
		q.Until = to.AddDate(0, 0, 1) // the whole of the last day
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		f.Fail("to", "The end date is before the start date.")
	}
	before, err := queryCount(c, "before")
	if err != nil {
		return err
	}
	q.Before = before
	v := templates.AuditView{Actions: store.AuditActions, Filter: f, Paged: q.Before > 0}
	if v.Report, err = s.store.VerifyAuditSinceHead(ctx); err != nil {
		return err
	}
	status := http.StatusOK
	if f.Valid() {
		if v.Entries, v.Older, err = s.store.AuditPage(ctx, q); err != nil {
			return err
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, templates.AuditLog(s.page(c, "Audit log", "audit"), v))
}

// auditFilterDate reads a YYYY-MM-DD field as the start of that day in UTC, the zone the log shows.
func auditFilterDate(f templates.Form, name string) time.Time {
	if f.Get(name) == "" {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, f.Get(name))
	if err != nil {
		f.Fail(name, "Enter a date like 2025-03-01.")
	}
	return d
}
