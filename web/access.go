package web

import (
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/store"
)

// action is something a user may want to do in a project.
type action int

const (
	actView   action = iota // read the project and everything under it
	actEdit                 // change the project, its datasets and assessments
	actManage               // members, archive
)

// access is a user's standing in one project.
type access struct {
	project *store.Project
	role    store.Role // empty for an admin who is not a member
	admin   bool
}

func (a *access) can(act action) bool {
	if a.admin {
		return act != actEdit || !a.project.Archived()
	}
	switch act {
	case actView:
		return true
	case actEdit:
		return !a.project.Archived() && (a.role == store.RoleOwner || a.role == store.RoleAssessor)
	case actManage:
		return a.role == store.RoleOwner
	}
	return false
}

// projectAccess loads the project in the :id parameter and checks that the user may do act.
// A non-member gets 404 as if the project did not exist; a member lacking the right gets 403.
func (s *Server) projectAccess(c echo.Context, act action) (*access, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, errNotFound
	}
	return s.accessTo(c, id, act)
}

func (s *Server) accessTo(c echo.Context, projectID int64, act action) (*access, error) {
	ctx := c.Request().Context()
	u := authFrom(c).user
	if u == nil {
		return nil, errNotFound
	}
	role, err := s.store.Role(ctx, projectID, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		if !u.IsAdmin {
			return nil, errNotFound
		}
	} else if err != nil {
		return nil, err
	}
	p, err := s.store.Project(ctx, projectID)
	if err != nil {
		return nil, err
	}
	a := &access{project: p, role: role, admin: u.IsAdmin}
	if !a.can(act) {
		return nil, errForbidden
	}
	return a, nil
}

func paramID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}
