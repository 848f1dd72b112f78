package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// httpError is an error with a status and a message fit to show the user. Field names the input
// that caused it, for API clients.
type httpError struct {
	status int
	msg    string
	field  string
}

func (e *httpError) Error() string { return e.msg }

func apiErr(status int, msg, field string) error {
	return &httpError{status: status, msg: msg, field: field}
}

var (
	errNotFound  = &httpError{status: http.StatusNotFound, msg: "There is nothing here, or you do not have access to it."}
	errForbidden = &httpError{status: http.StatusForbidden, msg: "Your role in this project does not allow this."}
	errCSRF      = &httpError{status: http.StatusForbidden, msg: "The form expired or came from another site. Go back, reload the page and try again."}
	errTooLarge  = &httpError{status: http.StatusRequestEntityTooLarge, msg: "The request is too large."}
)

// handleError is the one place errors become responses: JSON for the API, a page for browsers.
// Unexpected errors get an id that is shown to the user and logged with the details.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg, field, id := http.StatusInternalServerError, "", "", ""
	var fields map[string]string
	var current *int64
	var he *httpError
	var ee *echo.HTTPError
	var maxBytes *http.MaxBytesError
	var invalid *workflow.ValidationError
	var conflict *workflow.ConflictError
	var frozen *workflow.FrozenError
	var revision *int64
	var forbidden *workflow.ForbiddenError
	var step *workflow.StepError
	switch {
	case errors.As(err, &he):
		status, msg, field = he.status, he.msg, he.field
	case errors.As(err, &invalid):
		status, fields = http.StatusUnprocessableEntity, invalid.Fields
		field, msg = invalid.First()
	case errors.As(err, &forbidden):
		status, msg = errForbidden.status, forbidden.Reason
	case errors.Is(err, workflow.ErrForbidden):
		status, msg = errForbidden.status, errForbidden.msg
	case errors.As(err, &step):
		status, msg = http.StatusConflict, step.Reason
		if step.Current != 0 {
			revision = &step.Current
		}
	case errors.As(err, &frozen):
		status, msg = http.StatusConflict, frozen.Reason
		if frozen.Current != 0 {
			revision = &frozen.Current
		}
	case errors.Is(err, workflow.ErrFrozen):
		status, msg = http.StatusConflict, err.Error()
	case errors.As(err, &conflict) && conflict.Version:
		status, msg, current = http.StatusConflict, conflict.What, &conflict.Current
	case errors.As(err, &conflict):
		status, msg = http.StatusConflict, conflict.What
		if conflict.Current != 0 {
			revision = &conflict.Current
		}
	case errors.Is(err, store.ErrNotFound):
		status, msg = errNotFound.status, errNotFound.msg
	case errors.Is(err, store.ErrConflict):
		status, msg = http.StatusConflict, "Someone else changed this in the meantime. Reload to see their changes."
	case errors.As(err, &maxBytes):
		status, msg = errTooLarge.status, errTooLarge.msg
	case errors.As(err, &ee):
		status = ee.Code
		msg = http.StatusText(status)
		if status == http.StatusNotFound {
			msg = errNotFound.msg
		}
	}
	if status == http.StatusForbidden && !errors.Is(err, errCSRF) {
		s.auditRefusal(c, store.AuditAccessDenied, map[string]any{"reason": msg})
	}
	if status >= 500 {
		id = newErrorID()
		msg = "Something went wrong on our side."
		s.log.Error("request failed", "error_id", id, "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if isAPI(c) {
		body := map[string]any{"error": msg}
		if field != "" {
			body["field"] = field
		}
		if fields != nil {
			body["fields"] = fields
		}
		if current != nil && *current != 0 {
			body["current_version"] = *current
		}
		if revision != nil {
			body["current_revision"] = *revision
		}
		if step != nil && len(step.Problems) > 0 {
			body["problems"] = step.Problems
		}
		if id != "" {
			body["error_id"] = id
		}
		if err := c.JSON(status, body); err != nil {
			s.log.Error("write error response", "err", err)
		}
		return
	}
	view := templates.ErrorView{Status: status, Message: msg, ErrorID: id}
	switch status {
	case http.StatusNotFound:
		view.Title = "Not found"
	case http.StatusForbidden:
		view.Title = "Not allowed"
	case http.StatusInternalServerError:
		view.Title = "Server error"
	default:
		view.Title = http.StatusText(status)
	}
	if err := s.render(c, status, templates.Error(s.page(c, view.Title, ""), view)); err != nil {
		s.log.Error("render error page", "err", err)
		c.String(status, msg)
	}
}

func newErrorID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// queryCount reads a non-negative whole number from the query parameter name: empty is 0;
// anything else is refused with 400 naming the parameter, never read as 0.
func queryCount(c echo.Context, name string) (int64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apiErr(http.StatusBadRequest, name+" must be a whole number", name)
	}
	return n, nil
}

// queryRevisionBefore reads the revision cursor ?before= of a history page (see queryCount).
func queryRevisionBefore(c echo.Context) (int, error) {
	n, err := queryCount(c, "before")
	return int(min(n, 1<<31)), err
}
