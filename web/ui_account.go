package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

func (s *Server) account(c echo.Context) error {
	return s.renderAccount(c, http.StatusOK, s.accountDefaults())
}

func (s *Server) accountDefaults() templates.AccountView {
	return templates.AccountView{TokenForm: templates.NewForm(), PasswordForm: templates.NewForm()}
}

func (s *Server) renderAccount(c echo.Context, status int, v templates.AccountView) error {
	ctx := c.Request().Context()
	u := authFrom(c).user
	tokens, err := s.store.APITokens(ctx, u.ID)
	if err != nil {
		return err
	}
	v.Tokens = tokens
	if v.Channels, err = s.store.UserChannels(ctx, u.ID); err != nil {
		return err
	}
	if v.FeedCreated, err = s.store.CalendarFeedCreated(ctx, u.ID); err != nil {
		return err
	}
	smtp, err := s.wf.SMTPConfig(ctx)
	if err != nil {
		return err
	}
	v.EmailConfigured = smtp != nil
	return s.render(c, status, templates.Account(s.page(c, "Your account", "account"), v))
}

func (s *Server) createToken(c echo.Context) error {
	f := formFrom(c, "token_name")
	if f.Get("token_name") == "" {
		f.Fail("token_name", "Name the token after what uses it.")
	}
	checkText(f, "token_name", 100)
	v := s.accountDefaults()
	v.TokenForm = f
	if !f.Valid() {
		return s.renderAccount(c, http.StatusUnprocessableEntity, v)
	}
	u := authFrom(c).user
	_, secret, err := s.store.CreateAPIToken(c.Request().Context(), u.ID, f.Get("token_name"))
	if err != nil {
		return err
	}
	s.audit(c, store.AuditTokenCreate, store.AuditTarget("user", u.ID), map[string]any{"name": f.Get("token_name")})
	// The secret is shown in this response only; a reload shows the list without it.
	v.NewToken, v.TokenForm = secret, templates.NewForm()
	return s.renderAccount(c, http.StatusCreated, v)
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := paramID(c, "token")
	if err != nil {
		return err
	}
	u := authFrom(c).user
	if err := s.store.RevokeAPIToken(c.Request().Context(), u.ID, id); err != nil {
		return err
	}
	s.audit(c, store.AuditTokenRevoke, store.AuditTarget("user", u.ID), map[string]any{"token": id})
	s.flash(c, "Token revoked.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

func (s *Server) changePassword(c echo.Context) error {
	u := authFrom(c).user
	f := templates.NewForm()
	if !store.CheckPassword(u.PasswordHash, c.FormValue("password")) {
		f.Fail("password", "This is not your current password.")
	}
	password := checkNewPassword(f, c, u.Email)
	if !f.Valid() {
		v := s.accountDefaults()
		v.PasswordForm = f
		return s.renderAccount(c, http.StatusUnprocessableEntity, v)
	}
	ctx := c.Request().Context()
	if err := s.store.SetPassword(ctx, u.ID, store.HashPassword(password)); err != nil {
		return err
	}
	// SetPassword ended every session, this one included: start a fresh one.
	authFrom(c).session = ""
	if err := s.startSession(c, u); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.audit(c, store.AuditUserPassword, store.AuditTarget("user", u.ID), map[string]any{"how": "changed by the user"})
	s.flash(c, "Password changed. Your other sessions are signed out.")
	return c.Redirect(http.StatusSeeOther, "/account")
}
