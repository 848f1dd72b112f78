package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

// setNextReview sets the one next review date (workflow.SetNextReview): the policy's, which an
// owner may bring forward and an admin move either way.
func (s *Server) setNextReview(c echo.Context, date string) (*assessments.Assessment, error) {
	_, a, _, err := s.assessmentAccess(c, actView)
	if err != nil {
		return nil, err
	}
	return s.wf.SetNextReview(c.Request().Context(), s.actor(c), a.ID, date)
}

func (s *Server) nextReviewForm(c echo.Context) error {
	a, err := s.setNextReview(c, c.FormValue("next_review_at"))
	var invalid *workflow.ValidationError
	var frozen *workflow.FrozenError
	switch {
	case errors.As(err, &invalid):
		return s.overviewWithError(c, &httpError{status: http.StatusUnprocessableEntity, msg: userMessage(err), field: "next_review_at"})
	case errors.As(err, &frozen):
		return s.overviewWithError(c, &httpError{status: http.StatusConflict, msg: frozen.Reason, field: "next_review_at"})
	case err != nil:
		return err
	}
	s.flash(c, "The next review is due on "+a.NextReviewAt+".")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID))
}

func (s *Server) apiNextReview(c echo.Context) error {
	var in struct {
		NextReviewAt string `json:"next_review_at"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := s.setNextReview(c, in.NextReviewAt)
	if err != nil {
		return err
	}
	def, err := s.wf.Definition(c.Request().Context(), a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return err
	}
	return s.apiAssessmentResponse(c, http.StatusOK, a, def)
}
