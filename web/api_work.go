package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
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

// apiRegister is a page of the mitigation register with the risks waiting on its mitigations, as
// the register page shows them.
type apiRegister struct {
	*workflow.RegisterPage
	Projected      []apiProjectedRisk `json:"projected_risks"`
	ProjectedTotal int                `json:"projected_total"`
}

// apiProjectedRisk is a live finding whose lower residual risk rests only on mitigations not yet
// in place: it counts at its inherent level.
type apiProjectedRisk struct {
	ProjectID         int64  `json:"project_id"`
	ProjectName       string `json:"project_name"`
	AssessmentID      int64  `json:"assessment_id"`
	FindingID         string `json:"finding_id"`
	Title             string `json:"title"`
	EffectiveLevel    string `json:"effective_level"`
	ResidualProjected bool   `json:"residual_projected"`
}

// apiMitigationRegister returns a page of the cross-project mitigation register and the risks
// waiting on its mitigations.
func (s *Server) apiMitigationRegister(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.wf.MitigationRegister(ctx, s.actor(c), registerFilter(c), c.QueryParam("page"), c.QueryParam("per_page"))
	if err != nil {
		return err
	}
	project, err := queryCount(c, "project")
	if err != nil {
		return err
	}
	risks, total, err := s.wf.ProjectedRisks(ctx, s.actor(c), project)
	if err != nil {
		return err
	}
	out := apiRegister{RegisterPage: p, Projected: []apiProjectedRisk{}, ProjectedTotal: total}
	for _, r := range risks {
		out.Projected = append(out.Projected, apiProjectedRisk{ProjectID: r.ProjectID, ProjectName: r.ProjectName, AssessmentID: r.AssessmentID,
			FindingID: r.FindingID, Title: r.Title, EffectiveLevel: assessments.Level(r.Level).Name(), ResidualProjected: true})
	}
	return c.JSON(http.StatusOK, out)
}
