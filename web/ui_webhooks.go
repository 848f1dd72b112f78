package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// checkWebhookURL validates a webhook address.
func checkWebhookURL(f templates.Form) string {
	raw := f.Get("url")
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		f.Fail("url", "Enter the address that receives the reminders.")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		f.Fail("url", "Enter an http or https address, e.g. https://hooks.example.org/piaf.")
	case len(raw) > 2000:
		f.Fail("url", "The address is too long.")
	}
	return raw
}

func (s *Server) addInstanceWebhook(c echo.Context) error {
	f := formFrom(c, "url")
	raw := checkWebhookURL(f)
	if !f.Valid() {
		return s.renderSettings(c, http.StatusUnprocessableEntity, func(v *templates.SettingsView) { v.Webhook = f })
	}
	var h *assessments.Webhook
	e := s.event(c, store.AuditSettingsChange, "", map[string]any{"host": hostOf(raw), "scope": "instance"})
	err := s.wf.Audited(c.Request().Context(), &e, func(st *store.Store) (err error) {
		h, err = st.CreateWebhook(c.Request().Context(), 0, raw, authFrom(c).user.ID)
		if err == nil {
			e.Target = "webhook:" + strconv.FormatInt(h.ID, 10)
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.renderSettings(c, http.StatusCreated, func(v *templates.SettingsView) { v.NewWebhook = h })
}

func (s *Server) deleteInstanceWebhook(c echo.Context) error {
	id, err := paramID(c, "webhook")
	if err != nil {
		return err
	}
	err = s.audited(c, store.AuditSettingsChange, "webhook:"+strconv.FormatInt(id, 10), map[string]any{"deleted": true},
		func(st *store.Store) error { return st.DeleteWebhook(c.Request().Context(), 0, id) })
	if err != nil {
		return err
	}
	s.flash(c, "Webhook removed.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings#webhooks")
}

// projectWebhooks is the page where a project's owners manage the webhooks that hear of its
// reminders, with the latest deliveries of each.
func (s *Server) projectWebhooks(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	return s.renderProjectWebhooks(c, a, http.StatusOK, templates.NewForm(), nil)
}

func (s *Server) renderProjectWebhooks(c echo.Context, a *access, status int, f templates.Form, created *assessments.Webhook) error {
	ctx := c.Request().Context()
	hooks, err := s.store.Webhooks(ctx, a.project.ID)
	if err != nil {
		return err
	}
	v := templates.WebhooksView{Project: a.project, Webhooks: hooks, Form: f, NewWebhook: created,
		Deliveries: map[int64][]assessments.WebhookDelivery{}, OlderDeliveries: map[int64]int64{}}
	for _, h := range hooks {
		var older int64
		if v.Deliveries[h.ID], older, err = s.store.WebhookDeliveryPage(ctx, h.ID, 0, deliveriesPerWebhook); err != nil {
			return err
		}
		if older > 0 {
			v.OlderDeliveries[h.ID] = older
		}
	}
	return s.render(c, status, templates.ProjectWebhooks(s.page(c, "Webhooks · "+a.project.Name, "projects"), v))
}

// deliveriesPerWebhook is how many attempts the webhooks page shows under each webhook;
// deliveriesPerPage how many one page of a webhook's deliveries lists.
const (
	deliveriesPerWebhook = 10
	deliveriesPerPage    = 50
)

// webhookDeliveries pages through the delivery attempts to one of a project's webhooks, newest
// first, by the id of the last attempt shown (?before=), so any page costs one indexed read.
func (s *Server) webhookDeliveries(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	id, err := paramID(c, "webhook")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	h, err := s.store.Webhook(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && h.ProjectID != a.project.ID) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	before, err := queryCount(c, "before")
	if err != nil {
		return err
	}
	list, older, err := s.store.WebhookDeliveryPage(ctx, h.ID, before, deliveriesPerPage)
	if err != nil {
		return err
	}
	v := templates.DeliveriesView{Project: a.project, Webhook: h, Deliveries: list, Older: older, Paged: before > 0}
	return s.render(c, http.StatusOK, templates.WebhookDeliveries(s.page(c, "Webhook deliveries · "+a.project.Name, "projects"), v))
}

func (s *Server) addProjectWebhook(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	f := formFrom(c, "url")
	raw := checkWebhookURL(f)
	if !f.Valid() {
		return s.renderProjectWebhooks(c, a, http.StatusUnprocessableEntity, f, nil)
	}
	var h *assessments.Webhook
	e := s.event(c, store.AuditSettingsChange, "", map[string]any{"host": hostOf(raw), "project": a.project.ID})
	err = s.wf.Audited(c.Request().Context(), &e, func(st *store.Store) (err error) {
		h, err = st.CreateWebhook(c.Request().Context(), a.project.ID, raw, authFrom(c).user.ID)
		if err == nil {
			e.Target = "webhook:" + strconv.FormatInt(h.ID, 10)
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.renderProjectWebhooks(c, a, http.StatusCreated, templates.NewForm(), h)
}

func (s *Server) deleteProjectWebhook(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	id, err := paramID(c, "webhook")
	if err != nil {
		return err
	}
	err = s.audited(c, store.AuditSettingsChange, "webhook:"+strconv.FormatInt(id, 10), map[string]any{"deleted": true, "project": a.project.ID},
		func(st *store.Store) error { return st.DeleteWebhook(c.Request().Context(), a.project.ID, id) })
	if err != nil {
		return err
	}
	s.flash(c, "Webhook removed.")
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID)+"/webhooks")
}

// hostOf is what the audit log keeps of a webhook address: the full URL may hold a secret.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
