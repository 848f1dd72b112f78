package workflow

import (
	"context"

	"github.com/piaf-dev/piaf/store"
)

// audit appends a security-relevant event to the hash-chained audit log. The action has already
// happened: a failure to record it is logged loudly rather than undoing it.
func (s *Service) audit(ctx context.Context, who Actor, action, target string, details map[string]any) {
	s.Audit(ctx, store.AuditEvent{ActorID: who.id(), ActorEmail: who.email(), ClientAddr: who.ClientAddr,
		Action: action, Target: target, Details: details})
}

// Audit records an event built by an adapter (sign-in, for example, where there is no actor
// yet).
func (s *Service) Audit(ctx context.Context, e store.AuditEvent) {
	s.log.Info("audit", "action", e.Action, "target", e.Target, "actor", e.ActorEmail, "addr", e.ClientAddr)
	if err := s.store.Audit(ctx, e); err != nil {
		s.log.Error("audit log: could not record event", "action", e.Action, "target", e.Target, "err", err)
	}
}
