package web

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/store"
)

// Refused requests (forged or cross-site state changes, access denied) are audited, but an
// attacker must not be able to grow the log at will: each client (signed-in user, else address)
// gets a few entries a minute, and all clients together a bounded number; the rest are only
// logged.
const (
	refusalsPerClient = 10
	refusalsInAll     = 120
	refusalWindow     = time.Minute
)

type refusalLimits struct {
	perClient *limiter
	inAll     *limiter
}

func newRefusalLimits() *refusalLimits {
	return &refusalLimits{perClient: newLimiter(refusalsPerClient, refusalWindow), inAll: newLimiter(refusalsInAll, refusalWindow)}
}

// auditRefusal records a refused request as action (csrf.refused, access.denied).
func (s *Server) auditRefusal(c echo.Context, action string, details map[string]any) {
	e := store.AuditEvent{ClientAddr: c.RealIP(), Action: action, Target: "route:" + c.Request().Method + " " + c.Path(), Details: details}
	client := "addr:" + e.ClientAddr
	if u := authFrom(c).user; u != nil {
		e.ActorID, e.ActorEmail = u.ID, u.Email
		client = "user:" + strconv.FormatInt(u.ID, 10)
	}
	now := s.now()
	if !s.refusals.perClient.allow(client, now) || !s.refusals.inAll.allow("", now) {
		s.log.Warn("refused request not audited (rate limit)", "action", action, "client", client, "path", c.Request().URL.Path)
		return
	}
	s.auditEvent(c, e)
}
