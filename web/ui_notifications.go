package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// notificationsPerPage is how many notifications a page lists; older ones are a link away.
const notificationsPerPage = 50

func (s *Server) notificationList(c echo.Context) error {
	before, err := queryCount(c, "before")
	if err != nil {
		return err
	}
	list, older, err := s.store.NotificationPage(c.Request().Context(), authFrom(c).user.ID, before, notificationsPerPage)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.Notifications(s.page(c, "Notifications", "notifications"),
		templates.NotificationsView{List: list, Older: older, Paged: before > 0}))
}

// readNotification marks one notification read and follows its link, so a click on it both
// clears it and takes the user where it points.
func (s *Server) readNotification(c echo.Context) error {
	u := authFrom(c).user
	id, err := paramID(c, "notification")
	if err != nil {
		return err
	}
	n, err := s.store.Notification(c.Request().Context(), u.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	if err := s.store.MarkNotificationsRead(c.Request().Context(), u.ID, id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, safeNext(n.Link))
}

func (s *Server) readAllNotifications(c echo.Context) error {
	if err := s.store.MarkNotificationsRead(c.Request().Context(), authFrom(c).user.ID, 0); err != nil {
		return err
	}
	s.flash(c, "All notifications marked as read.")
	return c.Redirect(http.StatusSeeOther, "/notifications")
}
