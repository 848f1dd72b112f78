package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/remind"
	"github.com/piaf-dev/piaf/assessments/workflow/deliver"
	"github.com/piaf-dev/piaf/store"
)

// calendarFeed serves a user's personal calendar at a secret URL, which calendar apps fetch
// without signing in: review dates of the projects they are a member of, the mitigations they
// own and the risk acceptances of projects they own.
func (s *Server) calendarFeed(c echo.Context) error {
	ctx := c.Request().Context()
	token := strings.TrimSuffix(c.Param("token"), ".ics")
	u, err := s.store.UserForCalendarFeed(ctx, token)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled()) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	projects, err := s.store.MemberProjects(ctx, u.ID)
	if err != nil {
		return err
	}
	items, projectOf, err := s.wf.ReminderItems(ctx)
	if err != nil {
		return err
	}
	var events []deliver.Event
	for _, it := range items {
		if !projects[projectOf[it.Ref]] && !u.IsAdmin {
			continue
		}
		if it.Kind == remind.KindMitigation && !contains(it.Recipients, u.ID) {
			continue // other people's mitigations are not on this person's calendar
		}
		summary := map[string]string{remind.KindReview: "Re-assessment due: ", remind.KindMitigation: "Mitigation due: ",
			remind.KindAcceptance: "Risk acceptance expires: "}[it.Kind] + it.Title
		events = append(events, deliver.Event{
			UID:     strings.NewReplacer("/", "-", ":", "-").Replace(it.Kind+"-"+it.Ref) + "@piaf",
			Summary: summary, Description: "Open in piaf: " + it.Link, URL: it.Link, Date: it.Due,
		})
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=300")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", deliver.Calendar(fmt.Sprintf("piaf: %s", u.Email), events, s.now()))
}

func contains(list []int64, id int64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// saveNotificationPrefs stores which channels the user receives reminders on.
func (s *Server) saveNotificationPrefs(c echo.Context) error {
	u := authFrom(c).user
	err := s.store.SetUserChannels(c.Request().Context(), u.ID, map[string]bool{
		store.ChannelInApp: c.FormValue("inapp") != "",
		store.ChannelEmail: c.FormValue("email") != "",
	})
	if err != nil {
		return err
	}
	s.flash(c, "Notification settings saved.")
	return c.Redirect(http.StatusSeeOther, "/account#notifications")
}

// newCalendarFeed makes (or remakes) the user's feed URL; an earlier URL stops working.
func (s *Server) newCalendarFeed(c echo.Context) error {
	u := authFrom(c).user
	token, err := s.store.NewCalendarFeed(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	v := s.accountDefaults()
	v.FeedURL = s.absURL("/calendar/" + token + ".ics")
	return s.renderAccount(c, http.StatusCreated, v)
}
