package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/remind"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/assessments/workflow/deliver"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// settingsView fills the admin settings page: review separation, the review policy, the mail
// server and the instance's webhooks.
func (s *Server) settingsView(ctx context.Context) (templates.SettingsView, error) {
	v := templates.SettingsView{Review: templates.NewForm(), Policy: templates.NewForm(), SMTP: templates.NewForm(), Webhook: templates.NewForm(), Evidence: templates.NewForm()}
	self, err := s.store.Setting(ctx, settingSelfApproval, "false")
	if err != nil {
		return v, err
	}
	if self == "true" {
		v.Review.Set("self_approval", "1")
	}
	verified, err := s.store.Setting(ctx, assessments.SettingRequireVerified, "false")
	if err != nil {
		return v, err
	}
	if verified == "true" {
		v.Review.Set("require_verified", "1")
	}
	p, err := s.wf.ReviewPolicy(ctx)
	if err != nil {
		return v, err
	}
	policyForm(v.Policy, p)
	ep, err := s.wf.Policy(ctx)
	if err != nil {
		return v, err
	}
	evidencePolicyForm(v.Evidence, ep)
	v.SMTPFromEnv = s.cfg.SMTP != nil
	if c, err := s.wf.SMTPConfig(ctx); err != nil {
		return v, err
	} else if c != nil {
		v.SMTP.Set("host", c.Host)
		if c.Port != 0 {
			v.SMTP.Set("port", strconv.Itoa(c.Port))
		}
		v.SMTP.Set("user", c.User)
		v.SMTP.Set("from", c.From)
		v.SMTP.Set("tls", c.TLS)
		v.SMTPPasswordSet = c.Password != ""
	}
	if v.SMTP.Get("tls") == "" {
		v.SMTP.Set("tls", deliver.TLSStartTLS)
	}
	if v.Webhooks, err = s.store.Webhooks(ctx, 0); err != nil {
		return v, err
	}
	v.Keys, err = s.keysView()
	return v, err
}

func policyForm(f templates.Form, p remind.Policy) {
	f.Set("months_maximum", strconv.Itoa(p.ReviewMonths.Maximum))
	f.Set("months_significant", strconv.Itoa(p.ReviewMonths.Significant))
	f.Set("months_limited", strconv.Itoa(p.ReviewMonths.Limited))
	f.Set("months_negligible", strconv.Itoa(p.ReviewMonths.Negligible))
	f.Set("months_none", strconv.Itoa(p.ReviewMonths.None))
	days := make([]string, len(p.BeforeDays))
	for i, d := range p.BeforeDays {
		days[i] = strconv.Itoa(d)
	}
	f.Set("before_days", strings.Join(days, ", "))
	if p.OnDueDay {
		f.Set("on_due_day", "1")
	}
	f.Set("overdue_every_days", strconv.Itoa(p.OverdueEveryDays))
	f.Set("escalate_owners_after_days", strconv.Itoa(p.EscalateOwnersAfterDays))
	f.Set("escalate_admins_after_days", strconv.Itoa(p.EscalateAdminsAfterDays))
}

func (s *Server) renderSettings(c echo.Context, status int, edit func(*templates.SettingsView)) error {
	v, err := s.settingsView(c.Request().Context())
	if err != nil {
		return err
	}
	if edit != nil {
		edit(&v)
	}
	return s.render(c, status, templates.AdminSettings(s.page(c, "Settings", "settings"), v))
}

func (s *Server) adminSettings(c echo.Context) error { return s.renderSettings(c, http.StatusOK, nil) }

func (s *Server) adminSaveSettings(c echo.Context) error {
	ctx := c.Request().Context()
	for key, field := range map[string]string{settingSelfApproval: "self_approval", assessments.SettingRequireVerified: "require_verified"} {
		old, err := s.store.Setting(ctx, key, "false")
		if err != nil {
			return err
		}
		value := "false"
		if c.FormValue(field) != "" {
			value = "true"
		}
		if value != old {
			err := s.audited(c, store.AuditSettingsChange, "setting:"+key, map[string]any{"from": old, "to": value},
				func(st *store.Store) error {
					return st.SetSetting(ctx, key, value, authFrom(c).user.ID)
				})
			if err != nil {
				return err
			}
		}
	}
	s.flash(c, "Settings saved.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings")
}

func (s *Server) adminSavePolicy(c echo.Context) error {
	f := formFrom(c, "months_maximum", "months_significant", "months_limited", "months_negligible", "months_none", "before_days",
		"on_due_day", "overdue_every_days", "escalate_owners_after_days", "escalate_admins_after_days")
	num := func(name string) int {
		n, err := strconv.Atoi(f.Get(name))
		if err != nil {
			f.Fail(name, "Enter a whole number.")
		}
		return n
	}
	p := remind.Policy{ReviewMonths: remind.ReviewMonths{Maximum: num("months_maximum"), Significant: num("months_significant"),
		Limited: num("months_limited"), Negligible: num("months_negligible"), None: num("months_none")},
		OnDueDay: f.Get("on_due_day") != "", OverdueEveryDays: num("overdue_every_days"),
		EscalateOwnersAfterDays: num("escalate_owners_after_days"), EscalateAdminsAfterDays: num("escalate_admins_after_days")}
	for _, part := range strings.Split(f.Get("before_days"), ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			f.Fail("before_days", "List whole numbers of days, largest first, e.g. 30, 7, 1.")
			break
		}
		p.BeforeDays = append(p.BeforeDays, n)
	}
	if f.Valid() {
		var probs remind.Problems
		if err := p.Validate(); errors.As(err, &probs) {
			for _, pr := range probs {
				field := map[string]string{"review_months.maximum": "months_maximum", "review_months.significant": "months_significant",
					"review_months.limited": "months_limited", "review_months.negligible": "months_negligible", "review_months.none": "months_none"}[pr.Field]
				if field == "" {
					field = pr.Field
				}
				if !f.Values.Has(field) {
					field = "_"
				}
				f.Fail(field, capitalise(pr.Msg)+".")
			}
		} else if err != nil {
			return err
		}
	}
	if !f.Valid() {
		return s.renderSettings(c, http.StatusUnprocessableEntity, func(v *templates.SettingsView) { v.Policy = f })
	}
	raw, _ := json.Marshal(p)
	err := s.audited(c, store.AuditSettingsChange, "setting:"+workflow.SettingReviewPolicy, map[string]any{"policy": string(raw)},
		func(st *store.Store) error {
			return st.SetSetting(c.Request().Context(), workflow.SettingReviewPolicy, string(raw), authFrom(c).user.ID)
		})
	if err != nil {
		return err
	}
	s.flash(c, "Review policy saved. It applies to assessments approved from now on.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings#policy")
}

func (s *Server) adminSaveSMTP(c echo.Context) error {
	ctx := c.Request().Context()
	f := formFrom(c, "host", "port", "user", "from", "tls")
	cfg := deliver.SMTPConfig{Host: f.Get("host"), User: f.Get("user"), From: f.Get("from"), TLS: f.Get("tls")}
	if p := f.Get("port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			f.Fail("port", "Enter a port number, e.g. 587.")
		}
		cfg.Port = n
	}
	// An empty password field keeps the stored one: it is never shown back.
	cfg.Password = c.FormValue("password")
	if cfg.Password == "" {
		if old, err := s.storedSMTP(ctx); err == nil && old != nil {
			cfg.Password = old.Password
		}
	}
	if cfg.Host != "" {
		if err := cfg.Validate(); err != nil {
			f.Fail("_", capitalise(err.Error())+".")
		}
	}
	if !f.Valid() {
		return s.renderSettings(c, http.StatusUnprocessableEntity, func(v *templates.SettingsView) { v.SMTP = f })
	}
	raw, _ := json.Marshal(cfg)
	err := s.audited(c, store.AuditSettingsChange, "setting:"+workflow.SettingSMTP, map[string]any{"host": cfg.Host, "port": cfg.Port, "user": cfg.User, "from": cfg.From, "tls": cfg.TLS},
		func(st *store.Store) error {
			return st.SetSetting(ctx, workflow.SettingSMTP, string(raw), authFrom(c).user.ID)
		})
	if err != nil {
		return err
	}
	s.flash(c, "Mail server saved.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings#smtp")
}

func (s *Server) storedSMTP(ctx context.Context) (*deliver.SMTPConfig, error) {
	raw, err := s.store.Setting(ctx, workflow.SettingSMTP, "")
	if err != nil || raw == "" {
		return nil, err
	}
	var c deliver.SMTPConfig
	return &c, json.Unmarshal([]byte(raw), &c)
}

// adminTestEmail sends a message to the admin through the configured mail server.
func (s *Server) adminTestEmail(c echo.Context) error {
	ctx := c.Request().Context()
	cfg, err := s.wf.SMTPConfig(ctx)
	if err != nil {
		return err
	}
	u := authFrom(c).user
	if cfg == nil {
		s.flash(c, "No mail server is configured.")
		return c.Redirect(http.StatusSeeOther, "/admin/settings#smtp")
	}
	settings := s.absURL("/account#notifications")
	err = deliver.NewMailer(*cfg).Send(ctx, deliver.Email{To: []string{u.Email}, Subject: "piaf test email",
		Text: deliver.EmailText("piaf test email", "The mail server works: piaf can send reminders.", s.absURL("/"), "Open piaf", settings),
		HTML: deliver.EmailHTML("piaf test email", "The mail server works: piaf can send reminders.", s.absURL("/"), "Open piaf", settings)})
	if err != nil {
		s.flash(c, "The test email failed: "+err.Error())
	} else {
		s.flash(c, "Test email sent to "+u.Email+".")
	}
	return c.Redirect(http.StatusSeeOther, "/admin/settings#smtp")
}
