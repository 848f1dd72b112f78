package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/templates"
)

// maxVerifyUpload bounds what the verify page accepts.
const maxVerifyUpload = 8 << 20

func (s *Server) verifyForm(c echo.Context) error {
	return s.render(c, http.StatusOK, templates.VerifyPage(s.page(c, "Verify a report", "verify"), nil, ""))
}

func (s *Server) verifyUpload(c echo.Context) error {
	_, file, err := readUpload(c, "file", maxVerifyUpload)
	if err != nil {
		msg := "Choose the report file (.md or .pdf) to check."
		if !errors.Is(err, http.ErrMissingFile) {
			msg = "The file could not be read: " + err.Error()
		}
		return s.render(c, http.StatusUnprocessableEntity, templates.VerifyPage(s.page(c, "Verify a report", "verify"), nil, msg))
	}
	var sig []byte
	if _, b, err := readUpload(c, "sig", 64<<10); err == nil {
		sig = b
	} else if !errors.Is(err, http.ErrMissingFile) {
		return s.render(c, http.StatusUnprocessableEntity, templates.VerifyPage(s.page(c, "Verify a report", "verify"), nil, "The signature file could not be read: "+err.Error()))
	}
	ctx, done, err := startVerify(c.Request().Context())
	if err != nil {
		return &httpError{status: http.StatusServiceUnavailable, msg: "The server is busy checking other reports. Try again in a minute."}
	}
	defer done()
	res, err := s.wf.Verify(ctx, file, sig)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !res.Valid {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, templates.VerifyPage(s.page(c, "Verify a report", "verify"), &res, ""))
}
