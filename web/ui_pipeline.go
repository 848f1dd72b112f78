package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/templates"
)

// checksPerPage is how many gate decisions a page of the project shows.
const checksPerPage = 10

// pipelineChecks is the page of gate decisions the project page shows (?checks=N).
func (s *Server) pipelineChecks(c echo.Context, a *access) (templates.PipelineChecks, error) {
	n, err := queryCount(c, "checks")
	if err != nil {
		return templates.PipelineChecks{}, err
	}
	page := int(max(1, min(n, workflow.MaxPage)))
	checks, total, err := s.wf.GateChecks(c.Request().Context(), s.actor(c), a.project.ID, page, checksPerPage)
	if err != nil {
		return templates.PipelineChecks{}, err
	}
	return templates.PipelineChecks{ProjectID: a.project.ID, Checks: checks, Total: total, Page: page, PerPage: checksPerPage,
		CanManage: a.can(actManage)}, nil
}

// pipelineTokens is the page where owners manage the project's pipeline tokens.
func (s *Server) pipelineTokens(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	f := templates.NewForm()
	f.Set("days", strconv.Itoa(workflow.DefaultPipelineTokenDays))
	return s.renderPipelineTokens(c, a, http.StatusOK, f, "")
}

func (s *Server) renderPipelineTokens(c echo.Context, a *access, status int, f templates.Form, secret string) error {
	tokens, err := s.wf.PipelineTokens(c.Request().Context(), s.actor(c), a.project.ID)
	if err != nil {
		return err
	}
	v := templates.PipelineTokensView{Project: a.project, Tokens: tokens, Form: f, NewToken: secret, Now: s.wf.Now()}
	return s.render(c, status, templates.PipelineTokens(s.page(c, "Pipeline tokens · "+a.project.Name, "projects"), v))
}

func (s *Server) createPipelineToken(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	f := formFrom(c, "name", "days")
	days, err := strconv.Atoi(f.Get("days"))
	if err != nil {
		f.Fail("days", "Choose how long the token lasts.")
		return s.renderPipelineTokens(c, a, http.StatusUnprocessableEntity, f, "")
	}
	_, secret, err := s.wf.CreatePipelineToken(c.Request().Context(), s.actor(c), a.project.ID, workflow.PipelineTokenInput{Name: f.Get("name"), Days: days})
	if formErrors(f, err, nil) {
		return s.renderPipelineTokens(c, a, http.StatusUnprocessableEntity, f, "")
	}
	if err != nil {
		return err
	}
	// The secret is shown in this response only; a reload shows the list without it.
	f = templates.NewForm()
	f.Set("days", strconv.Itoa(workflow.DefaultPipelineTokenDays))
	return s.renderPipelineTokens(c, a, http.StatusCreated, f, secret)
}

func (s *Server) revokePipelineToken(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	id, err := paramID(c, "token")
	if err != nil {
		return err
	}
	if err := s.wf.RevokePipelineToken(c.Request().Context(), s.actor(c), a.project.ID, id); err != nil {
		return err
	}
	s.flash(c, "Token revoked.")
	return c.Redirect(http.StatusSeeOther, "/projects/"+strconv.FormatInt(a.project.ID, 10)+"/pipeline")
}
