package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// linkTTL is how long invitation and reset links work.
const linkTTL = 7 * 24 * time.Hour

func (s *Server) adminUsers(c echo.Context) error {
	return s.renderAdminUsers(c, http.StatusOK, templates.NewForm(), nil)
}

func (s *Server) renderAdminUsers(c echo.Context, status int, f templates.Form, link *templates.OneTimeLink) error {
	users, err := s.store.Users(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, status, templates.AdminUsers(s.page(c, "Users", "users"), templates.AdminUsersView{Users: users, Form: f, Link: link}))
}

func (s *Server) adminAddUser(c echo.Context) error {
	ctx := c.Request().Context()
	f := formFrom(c, "email", "name", "is_admin")
	password := c.FormValue("new_password")
	u, token, err := s.wf.CreateUser(ctx, s.actor(c), workflow.UserInput{Email: f.Get("email"), Name: f.Get("name"), Admin: f.Get("is_admin") != "", Password: password})
	if formErrors(f, err, func(name string) string {
		if name == "password" {
			return "new_password"
		}
		return name
	}) {
		return s.renderAdminUsers(c, http.StatusUnprocessableEntity, f, nil)
	}
	if err != nil {
		return err
	}
	if password != "" {
		s.flash(c, "Account created for "+u.Email+".")
		return c.Redirect(http.StatusSeeOther, "/admin/users")
	}
	link := &templates.OneTimeLink{Email: u.Email, URL: s.absURL("/password/" + token), Purpose: "invite"}
	return s.renderAdminUsers(c, http.StatusCreated, templates.NewForm(), link)
}

func (s *Server) targetUser(c echo.Context) (*assessments.User, error) {
	id, err := paramID(c, "user")
	if err != nil {
		return nil, err
	}
	return s.store.User(c.Request().Context(), id)
}

func (s *Server) adminUser(c echo.Context) error {
	u, err := s.targetUser(c)
	if err != nil {
		return err
	}
	f := templates.NewForm()
	f.Set("name", u.Name)
	if u.IsAdmin {
		f.Set("is_admin", "1")
	}
	return s.renderAdminUser(c, http.StatusOK, u, f)
}

func (s *Server) renderAdminUser(c echo.Context, status int, u *assessments.User, f templates.Form) error {
	v := templates.AdminUserView{Target: u, Self: u.ID == authFrom(c).user.ID, Form: f}
	return s.render(c, status, templates.AdminUser(s.page(c, u.Email, "users"), v))
}

func (s *Server) adminEditUser(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := s.targetUser(c)
	if err != nil {
		return err
	}
	f := formFrom(c, "name", "is_admin")
	checkText(f, "name", workflow.MaxName)
	makeAdmin := f.Get("is_admin") != ""
	if u.IsAdmin && !makeAdmin {
		if n, err := s.store.CountActiveAdmins(ctx); err != nil {
			return err
		} else if n <= 1 && !u.Disabled() {
			f.Fail("is_admin", "This is the last administrator. Make someone else administrator first.")
		}
	}
	if !f.Valid() {
		return s.renderAdminUser(c, http.StatusUnprocessableEntity, u, f)
	}
	err = s.audited(c, store.AuditUserUpdate, store.AuditTarget("user", u.ID), map[string]any{"email": u.Email, "name": f.Get("name"), "admin": makeAdmin, "was_admin": u.IsAdmin},
		func(st *store.Store) error { return st.UpdateUser(ctx, u.ID, f.Get("name"), makeAdmin) })
	if err != nil {
		return err
	}
	s.flash(c, "Saved.")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

func (s *Server) adminResetLink(c echo.Context) error {
	u, err := s.targetUser(c)
	if err != nil {
		return err
	}
	var token string
	err = s.audited(c, store.AuditUserResetLink, store.AuditTarget("user", u.ID), map[string]any{"email": u.Email}, func(st *store.Store) (err error) {
		token, err = st.CreateLink(c.Request().Context(), store.LinkReset, u.ID, linkTTL)
		return err
	})
	if err != nil {
		return err
	}
	link := &templates.OneTimeLink{Email: u.Email, URL: s.absURL("/password/" + token), Purpose: "reset"}
	return s.renderAdminUsers(c, http.StatusCreated, templates.NewForm(), link)
}

func (s *Server) adminDisableUser(c echo.Context) error {
	u, err := s.targetUser(c)
	if err != nil {
		return err
	}
	if u.ID == authFrom(c).user.ID {
		return &httpError{status: http.StatusUnprocessableEntity, msg: "You cannot disable your own account."}
	}
	disable := c.FormValue("disabled") != "0"
	action := store.AuditUserEnable
	if disable {
		action = store.AuditUserDisable
	}
	err = s.audited(c, action, store.AuditTarget("user", u.ID), map[string]any{"email": u.Email},
		func(st *store.Store) error { return st.SetDisabled(c.Request().Context(), u.ID, disable) })
	if err != nil {
		return err
	}
	if disable {
		s.flash(c, u.Email+" is disabled and signed out everywhere.")
	} else {
		s.flash(c, u.Email+" can sign in again.")
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}
