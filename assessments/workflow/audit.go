package workflow

import (
	"context"

	"github.com/piaf-dev/piaf/store"
)

// event describes what an actor did, for the audit log.
func event(who Actor, action, target string, details map[string]any) store.AuditEvent {
	return store.AuditEvent{ActorID: who.id(), ActorEmail: who.email(), ClientAddr: who.ClientAddr,
		Action: action, Target: target, Details: details}
}

// audited makes a change and records its audit entry in one transaction: if the entry cannot be
// written, the change is undone and the error returned. change must write only through st.
func (s *Service) audited(ctx context.Context, who Actor, action, target string, details map[string]any, change func(st *store.Store) error) error {
	e := event(who, action, target, details)
	s.log.Info("audit", "action", e.Action, "target", e.Target, "actor", e.ActorEmail, "addr", e.ClientAddr)
	return s.store.WithAudit(ctx, e, change)
}

// Audited is audited for adapters whose change is a store call they make themselves (the web
// handlers not yet moved into this package). The event's details may be filled in by change.
func (s *Service) Audited(ctx context.Context, e *store.AuditEvent, change func(st *store.Store) error) error {
	return s.store.Atomic(ctx, func(st *store.Store) error {
		if change != nil {
			if err := change(st); err != nil {
				return err
			}
		}
		s.log.Info("audit", "action", e.Action, "target", e.Target, "actor", e.ActorEmail, "addr", e.ClientAddr)
		return st.Audit(ctx, *e)
	})
}

// Audit records an event that is not a change (a failed sign-in, a refused request): there is
// nothing to undo, so a failure to record it is logged loudly and otherwise ignored.
func (s *Service) Audit(ctx context.Context, e store.AuditEvent) {
	s.log.Info("audit", "action", e.Action, "target", e.Target, "actor", e.ActorEmail, "addr", e.ClientAddr)
	if err := s.store.Audit(ctx, e); err != nil {
		s.log.Error("audit log: could not record event", "action", e.Action, "target", e.Target, "err", err)
	}
}
