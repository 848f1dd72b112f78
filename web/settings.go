package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

func (s *Server) adminSettings(c echo.Context) error {
	f := templates.NewForm()
	v, err := s.store.Setting(c.Request().Context(), settingSelfApproval, "false")
	if err != nil {
		return err
	}
	if v == "true" {
		f.Set("self_approval", "1")
	}
	return s.render(c, http.StatusOK, templates.AdminSettings(s.page(c, "Settings", "settings"), f))
}

func (s *Server) adminSaveSettings(c echo.Context) error {
	ctx := c.Request().Context()
	old, err := s.store.Setting(ctx, settingSelfApproval, "false")
	if err != nil {
		return err
	}
	value := "false"
	if c.FormValue("self_approval") != "" {
		value = "true"
	}
	if value != old {
		if err := s.store.SetSetting(ctx, settingSelfApproval, value, authFrom(c).user.ID); err != nil {
			return err
		}
		s.audit(c, store.AuditSettingsChange, "setting:"+settingSelfApproval, map[string]any{"from": old, "to": value})
	}
	s.flash(c, "Settings saved.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings")
}
