package web

import (
	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

// event describes what the request's user did, for the audit log.
func (s *Server) event(c echo.Context, action, target string, details map[string]any) store.AuditEvent {
	e := store.AuditEvent{ClientAddr: c.RealIP(), Action: action, Target: target, Details: details}
	if u := authFrom(c).user; u != nil {
		e.ActorID, e.ActorEmail = u.ID, u.Email
	}
	return e
}

// audited makes a change and appends its entry to the hash-chained audit log in one
// transaction: when the entry cannot be written, the change is undone and the request fails.
// change must write only through st. details may be filled in by change (it is written after).
func (s *Server) audited(c echo.Context, action, target string, details map[string]any, change func(st *store.Store) error) error {
	e := s.event(c, action, target, details)
	return s.wf.Audited(c.Request().Context(), &e, change)
}

// auditEvent records an event that changes nothing (a failed sign-in, a refused request): a
// failure to record it is logged, not returned.
func (s *Server) auditEvent(c echo.Context, e store.AuditEvent) {
	s.wf.Audit(c.Request().Context(), e)
}

// actor is who the request acts for, as the workflow operations take it.
func (s *Server) actor(c echo.Context) workflow.Actor {
	a := authFrom(c)
	return workflow.Actor{User: a.user, ClientAddr: c.RealIP(), Token: a.token}
}
