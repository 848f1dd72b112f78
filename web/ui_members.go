package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/templates"
)

func (s *Server) addMember(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	f := formFrom(c, "member_email", "member_role")
	u, _, err := s.wf.AddMember(c.Request().Context(), s.actor(c), a.project.ID, f.Get("member_email"), f.Get("member_role"))
	var frozen *workflow.FrozenError
	if errors.As(err, &frozen) {
		f.Fail("member_role", frozen.Reason)
	}
	if formErrors(f, err, func(name string) string { return "member_" + name }) {
		return s.renderProject(c, a, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		return err
	}
	s.flash(c, u.Email+" now has the role "+templates.RoleLabel(assessments.Role(f.Get("member_role")))+" in this project.")
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID))
}

func (s *Server) changeMember(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	userID, err := paramID(c, "user")
	if err != nil {
		return err
	}
	return s.memberOutcome(c, a, s.wf.ChangeRole(c.Request().Context(), s.actor(c), a.project.ID, userID, c.FormValue("role")), "Role changed.")
}

func (s *Server) removeMember(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	userID, err := paramID(c, "user")
	if err != nil {
		return err
	}
	return s.memberOutcome(c, a, s.wf.RemoveMember(c.Request().Context(), s.actor(c), a.project.ID, userID), "Member removed.")
}

// memberOutcome says on the project page what became of a change to a member: done, or refused
// because the project would lose its last owner; other refusals are error pages.
func (s *Server) memberOutcome(c echo.Context, a *access, err error, done string) error {
	var frozen *workflow.FrozenError
	switch {
	case errors.As(err, &frozen):
		s.flash(c, frozen.Reason)
	case err != nil:
		return err
	default:
		s.flash(c, done)
	}
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID))
}
