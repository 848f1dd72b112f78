package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// ifMatch reads the If-Match header: the revision (of an assessment) or version (of a project)
// a change was made on, as the ETag gave it. Without the header it is 0, or 428 when required.
func ifMatch(c echo.Context, required bool) (int, error) {
	match := strings.Trim(c.Request().Header.Get("If-Match"), `" `)
	if match == "" || (match == "*" && !required) {
		if required {
			return 0, apiErr(http.StatusPreconditionRequired, "send If-Match with the revision you read (the assessment's \"revision\" or ETag)", "")
		}
		return 0, nil
	}
	n, err := strconv.Atoi(match)
	if err != nil || n < 1 {
		return 0, apiErr(http.StatusBadRequest, "If-Match must be the revision or version number from the ETag", "")
	}
	return n, nil
}
