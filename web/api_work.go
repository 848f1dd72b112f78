package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/workflow"
)

// apiMyWork returns the caller's worklists (see workflow.Work for the shape).
func (s *Server) apiMyWork(c echo.Context) error {
	f, err := workflow.ParseWorkFilter(c.QueryParam("kind"), c.QueryParam("project"), c.QueryParam("within"))
	if err != nil {
		return err
	}
	w, err := s.wf.MyWork(c.Request().Context(), s.actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

// apiMitigationRegister returns a page of the cross-project mitigation register.
func (s *Server) apiMitigationRegister(c echo.Context) error {
	p, err := s.wf.MitigationRegister(c.Request().Context(), s.actor(c), registerFilter(c), c.QueryParam("page"), c.QueryParam("per_page"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}
