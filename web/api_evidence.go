package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/dp"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

// apiEvidence is an evidence record as the API shows it: the stored record, with an empty list
// rather than null where there is nothing.
func apiEvidence(e *assessments.Evidence) *assessments.Evidence {
	out := *e
	if out.Questions == nil {
		out.Questions = []string{}
	}
	if out.Figures == nil {
		out.Figures = map[string]float64{}
	}
	return &out
}

// apiAddEvidence computes a record from {"kind": ..., "params": {...}} and attaches it: 201
// with the record and its computed figures.
func (s *Server) apiAddEvidence(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	var req workflow.EvidenceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	e, err := s.wf.ComputeEvidence(c.Request().Context(), s.actor(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiEvidence(e))
}

func (s *Server) apiListEvidence(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	list, err := s.wf.ListEvidence(c.Request().Context(), s.actor(c), id)
	if err != nil {
		return err
	}
	out := make([]*assessments.Evidence, len(list))
	for i, e := range list {
		out[i] = apiEvidence(e)
	}
	return c.JSON(http.StatusOK, map[string]any{"evidence": out})
}

func (s *Server) apiRemoveEvidence(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	if err := s.wf.RemoveEvidence(c.Request().Context(), s.actor(c), id, c.Param("evidence")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiDPEpsilon answers what 'piaf dp epsilon --json' prints, within the web bound on PLD work.
func (s *Server) apiDPEpsilon(c echo.Context) error {
	var p dp.Params
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	out, err := workflow.EpsilonFor(p, workflow.MaxWebPLDSteps)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiDPSigma answers what 'piaf dp sigma --json' prints.
func (s *Server) apiDPSigma(c echo.Context) error {
	var in struct {
		TargetEpsilon float64 `json:"target_epsilon"`
		dp.Params
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := workflow.SigmaFor(in.Params, in.TargetEpsilon, workflow.MaxWebSigmaPLDSteps)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
