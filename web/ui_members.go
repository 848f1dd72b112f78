package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

func (s *Server) addMember(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	f := formFrom(c, "member_email", "member_role")
	email := checkEmail(f, "member_email")
	role := assessments.Role(f.Get("member_role"))
	if !role.Valid() {
		f.Fail("member_role", "Choose a role.")
	}
	var u *assessments.User
	if f.Valid() {
		u, err = s.store.UserByEmail(c.Request().Context(), email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.Fail("member_email", "No account uses this email. Ask an administrator to invite them first.")
		case err != nil:
			return err
		case u.Disabled():
			f.Fail("member_email", "This account is disabled.")
		}
	}
	if !f.Valid() {
		return s.renderProject(c, a, http.StatusUnprocessableEntity, f)
	}
	err = s.audited(c, store.AuditMemberAdd, store.AuditTarget("project", a.project.ID), map[string]any{"user": u.Email, "role": string(role)},
		func(st *store.Store) error { return st.SetMember(c.Request().Context(), a.project.ID, u.ID, role) })
	if errors.Is(err, store.ErrLastOwner) {
		f.Fail("member_role", "You are the only owner: make someone else owner first.")
		return s.renderProject(c, a, http.StatusUnprocessableEntity, f)
	} else if err != nil {
		return err
	}
	s.flash(c, u.Email+" now has the role "+templates.RoleLabel(role)+" in this project.")
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
	if _, err := s.store.Role(c.Request().Context(), a.project.ID, userID); err != nil {
		return err
	}
	role := assessments.Role(c.FormValue("role"))
	if !role.Valid() {
		return &httpError{status: http.StatusUnprocessableEntity, msg: "Choose one of the roles."}
	}
	err = s.audited(c, store.AuditMemberRole, store.AuditTarget("project", a.project.ID), map[string]any{"user": userID, "role": string(role)},
		func(st *store.Store) error { return st.SetMember(c.Request().Context(), a.project.ID, userID, role) })
	if errors.Is(err, store.ErrLastOwner) {
		s.flash(c, "A project needs an owner: make someone else owner first.")
	} else if err != nil {
		return err
	} else {
		s.flash(c, "Role changed.")
	}
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID))
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
	err = s.audited(c, store.AuditMemberRemove, store.AuditTarget("project", a.project.ID), map[string]any{"user": userID},
		func(st *store.Store) error { return st.RemoveMember(c.Request().Context(), a.project.ID, userID) })
	if errors.Is(err, store.ErrLastOwner) {
		s.flash(c, "A project needs an owner: make someone else owner first.")
	} else if err != nil {
		return err
	} else {
		s.flash(c, "Member removed.")
	}
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID))
}
