package web

import (
	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

// audit appends a security-relevant event to the hash-chained audit log. The action has already
// happened: a failure to record it is logged loudly rather than undoing it.
func (s *Server) audit(c echo.Context, action, target string, details map[string]any) {
	e := store.AuditEvent{ClientAddr: c.RealIP(), Action: action, Target: target, Details: details}
	if u := authFrom(c).user; u != nil {
		e.ActorID, e.ActorEmail = u.ID, u.Email
	}
	s.auditEvent(c, e)
}

func (s *Server) auditEvent(c echo.Context, e store.AuditEvent) {
	s.wf.Audit(c.Request().Context(), e)
}

// actor is who the request acts for, as the workflow operations take it.
func (s *Server) actor(c echo.Context) workflow.Actor {
	a := authFrom(c)
	return workflow.Actor{User: a.user, ClientAddr: c.RealIP(), Token: a.token}
}
