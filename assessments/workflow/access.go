package workflow

import (
	"context"
	"errors"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// Action is something an actor may want to do in a project.
type Action int

// Actions, from reading to managing.
const (
	ActView   Action = iota // read the project and everything under it
	ActEdit                 // change the project, its datasets and assessments
	ActManage               // members, archive
)

// Access is an actor's standing in one project.
type Access struct {
	Project *assessments.Project
	Role    assessments.Role // empty for an admin who is not a member
	Admin   bool
}

// Can tells whether the access allows act.
func (a *Access) Can(act Action) bool {
	if a.Admin {
		return act != ActEdit || !a.Project.Archived()
	}
	switch act {
	case ActView:
		return true
	case ActEdit:
		return !a.Project.Archived() && (a.Role == assessments.RoleOwner || a.Role == assessments.RoleAssessor)
	case ActManage:
		return a.Role == assessments.RoleOwner
	}
	return false
}

// Access loads a project and checks that the actor may do act in it. A non-member gets
// ErrNotFound, as if the project did not exist; a member lacking the right gets ErrForbidden.
func (s *Service) Access(ctx context.Context, who Actor, projectID int64, act Action) (*Access, error) {
	if who.User == nil || !who.mayReach(projectID) {
		return nil, ErrNotFound
	}
	role, err := s.store.Role(ctx, projectID, who.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		if !who.User.IsAdmin {
			return nil, ErrNotFound
		}
	} else if err != nil {
		return nil, err
	}
	p, err := s.store.Project(ctx, projectID)
	if err != nil {
		return nil, err
	}
	a := &Access{Project: p, Role: role, Admin: who.User.IsAdmin}
	if !a.Can(act) {
		return nil, ErrForbidden
	}
	return a, nil
}
