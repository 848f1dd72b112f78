package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/templates"
)

func (s *Server) notificationList(c echo.Context) error {
	list, err := s.store.Notifications(c.Request().Context(), authFrom(c).user.ID, 100)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.Notifications(s.page(c, "Notifications", "notifications"), list))
}

// readNotification marks one notification read and follows its link, so a click on it both
// clears it and takes the user where it points.
func (s *Server) readNotification(c echo.Context) error {
	u := authFrom(c).user
	id, err := paramID(c, "notification")
	if err != nil {
		return err
	}
	list, err := s.store.Notifications(c.Request().Context(), u.ID, 1000)
	if err != nil {
		return err
	}
	for _, n := range list {
		if n.ID == id {
			if err := s.store.MarkNotificationsRead(c.Request().Context(), u.ID, id); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, safeNext(n.Link))
		}
	}
	return errNotFound
}

func (s *Server) readAllNotifications(c echo.Context) error {
	if err := s.store.MarkNotificationsRead(c.Request().Context(), authFrom(c).user.ID, 0); err != nil {
		return err
	}
	s.flash(c, "All notifications marked as read.")
	return c.Redirect(http.StatusSeeOther, "/notifications")
}
