package web

import (
	"errors"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

// action is something a user may want to do in a project; the rules are the workflow's.
type action = workflow.Action

const (
	actView   = workflow.ActView
	actEdit   = workflow.ActEdit
	actManage = workflow.ActManage
)

// access is a user's standing in one project.
type access struct {
	project *assessments.Project
	role    assessments.Role // empty for an admin who is not a member
	admin   bool
}

func (a *access) can(act action) bool { return a.wf().Can(act) }

// wf is the access as the workflow states it.
func (a *access) wf() *workflow.Access {
	return &workflow.Access{Project: a.project, Role: a.role, Admin: a.admin}
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
	a, err := s.wf.Access(c.Request().Context(), s.actor(c), projectID, act)
	if errors.Is(err, workflow.ErrNotFound) && authFrom(c).user != nil {
		// A non-member (or no such project: the answer is the same 404 either way).
		s.auditRefusal(c, store.AuditAccessDenied, map[string]any{"project": projectID, "reason": "not a member"})
	}
	if err != nil {
		return nil, err
	}
	return &access{project: a.Project, role: a.Role, admin: a.Admin}, nil
}

func paramID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}
