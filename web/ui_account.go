package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/passwords"
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
	var secret string
	err := s.audited(c, store.AuditTokenCreate, store.AuditTarget("user", u.ID), map[string]any{"name": f.Get("token_name")}, func(st *store.Store) (err error) {
		_, secret, err = st.CreateAPIToken(c.Request().Context(), u.ID, f.Get("token_name"))
		return err
	})
	if err != nil {
		return err
	}
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
	err = s.audited(c, store.AuditTokenRevoke, store.AuditTarget("user", u.ID), map[string]any{"token": id},
		func(st *store.Store) error { return st.RevokeAPIToken(c.Request().Context(), u.ID, id) })
	if err != nil {
		return err
	}
	s.flash(c, "Token revoked.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

// changePassword asks for the current password, which makes it a place to guess passwords from
// a stolen session: it is throttled with sign-in (the same counters, since it is the same
// secret), and wrong guesses are audited.
func (s *Server) changePassword(c echo.Context) error {
	u := authFrom(c).user
	f := templates.NewForm()
	fail := func(status int) error {
		v := s.accountDefaults()
		v.PasswordForm = f
		return s.renderAccount(c, status, v)
	}
	ok, err := s.checkCurrentPassword(c, u)
	if errors.Is(err, errThrottled) {
		f.Fail("password", "Too many wrong passwords. Wait 15 minutes and try again.")
		return fail(http.StatusTooManyRequests)
	}
	if err != nil {
		return err
	}
	if !ok {
		f.Fail("password", "This is not your current password.")
	}
	password := checkNewPassword(f, c, u.Email)
	if !f.Valid() {
		return fail(http.StatusUnprocessableEntity)
	}
	ctx := c.Request().Context()
	e := store.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, ClientAddr: c.RealIP(), Action: store.AuditUserPassword,
		Target: store.AuditTarget("user", u.ID), Details: map[string]any{"how": "changed by the user"}}
	// SetPassword ends every session (this one included), voids pending links and revokes the
	// user's API tokens.
	if err := s.wf.Audited(ctx, &e, func(st *store.Store) error { return st.SetPassword(ctx, u.ID, passwords.Hash(password)) }); err != nil {
		return err
	}
	authFrom(c).session = ""
	if err := s.startSession(c, u, nil); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.flash(c, "Password changed. Your other sessions are signed out and your API tokens revoked.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

var errThrottled = errors.New("too many failed password checks")

// checkCurrentPassword checks the password in the form against the user's, counting the attempt
// with the sign-in failures of the account and the address: past the sign-in limits it answers
// errThrottled without checking. A wrong password is audited.
func (s *Server) checkCurrentPassword(c echo.Context, u *assessments.User) (bool, error) {
	ctx := c.Request().Context()
	addr := c.RealIP()
	if len(c.FormValue("password")) > 1024 {
		return false, nil
	}
	since := s.now().Add(-throttleWindow)
	byEmail, byAddr, err := s.store.LoginFailures(ctx, u.Email, addr, since)
	if err != nil {
		return false, err
	}
	if byEmail >= maxFailsPerEmail || byAddr >= maxFailsPerAddr {
		// Refused unchecked and unrecorded: the failures that led here are recorded already.
		s.log.Warn("password check throttled", "user", u.Email, "addr", addr)
		return false, errThrottled
	}
	// As at sign-in: the attempt counts as a failure until the password checks out, so parallel
	// guesses cannot all pass the count.
	if err := s.store.RecordLoginFailure(ctx, u.Email, addr); err != nil {
		return false, err
	}
	if byEmail, byAddr, err = s.store.LoginFailures(ctx, u.Email, addr, since); err != nil {
		return false, err
	}
	if byEmail > maxFailsPerEmail || byAddr > maxFailsPerAddr {
		s.log.Warn("password check throttled", "user", u.Email, "addr", addr)
		return false, errThrottled
	}
	passwordChecks <- struct{}{}
	ok := passwords.Matches(u.PasswordHash, c.FormValue("password"))
	<-passwordChecks
	if !ok {
		s.auditEvent(c, store.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, ClientAddr: addr, Action: store.AuditPasswordFailed,
			Target: store.AuditTarget("user", u.ID), Details: map[string]any{"where": "change password"}})
		return false, nil
	}
	return true, s.store.ClearLoginFailures(ctx, u.Email)
}
