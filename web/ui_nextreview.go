package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/remind"
	"github.com/piaf-dev/piaf/store"
)

// setNextReview lets an owner bring an approved assessment's review date forward, and an admin
// move it either way.
func (s *Server) setNextReview(c echo.Context, date string) (*assessments.Assessment, error) {
	acc, a, _, err := s.assessmentAccess(c, actView)
	if err != nil {
		return nil, err
	}
	if acc.role != assessments.RoleOwner && !acc.admin {
		return nil, errForbidden
	}
	if acc.project.Archived() {
		return nil, apiErr(http.StatusConflict, "The project is archived: restore it first.", "next_review_at")
	}
	if a.Status != assessments.Approved {
		return nil, apiErr(http.StatusConflict, "Only an approved assessment has a review date.", "next_review_at")
	}
	requested, err := time.Parse(time.DateOnly, strings.TrimSpace(date))
	if err != nil {
		return nil, apiErr(http.StatusUnprocessableEntity, "Give the date as YYYY-MM-DD.", "next_review_at")
	}
	if !requested.After(s.now().UTC().Truncate(24 * time.Hour).Add(-time.Nanosecond)) {
		return nil, apiErr(http.StatusUnprocessableEntity, "The review date cannot be in the past.", "next_review_at")
	}
	if !acc.admin && a.NextReviewAt != "" {
		current, _ := time.Parse(time.DateOnly, a.NextReviewAt)
		if _, err := remind.ClampEarlier(current, requested); err != nil {
			return nil, apiErr(http.StatusUnprocessableEntity, "An owner may bring the review forward, not push it back; ask an administrator.", "next_review_at")
		}
	}
	err = s.audited(c, store.AuditSettingsChange, store.AuditTarget("assessment", a.ID), map[string]any{
		"next_review_at": requested.Format(time.DateOnly), "was": a.NextReviewAt},
		func(st *store.Store) error {
			return st.SetNextReview(c.Request().Context(), a.ID, requested.Format(time.DateOnly))
		})
	if err != nil {
		return nil, err
	}
	return s.store.Assessment(c.Request().Context(), a.ID)
}

func (s *Server) nextReviewForm(c echo.Context) error {
	a, err := s.setNextReview(c, c.FormValue("next_review_at"))
	var he *httpError
	if errors.As(err, &he) && he.status != http.StatusForbidden && he.status != http.StatusNotFound {
		return s.overviewWithError(c, he)
	}
	if err != nil {
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
	def, err := s.questionnaires.get(c.Request().Context(), a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return err
	}
	return s.apiAssessmentResponse(c, http.StatusOK, a, def)
}
