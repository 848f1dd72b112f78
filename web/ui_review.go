package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// settingSelfApproval is the workflow's setting, under the name the settings page uses.
const settingSelfApproval = workflow.SettingSelfApproval

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// reviewView fills the overview's review panel.
func (s *Server) reviewView(c echo.Context, acc *access, a *assessments.Assessment, def *questionnaire.Definition) (*templates.ReviewView, error) {
	ctx := c.Request().Context()
	rs, err := s.wf.ReviewState(ctx, a)
	if err != nil {
		return nil, err
	}
	u := authFrom(c).user
	probs, err := s.wf.SubmitProblems(ctx, def, a)
	if err != nil {
		return nil, err
	}
	v := &templates.ReviewView{Events: rs.Events, SubmitProblems: probs, Form: templates.NewForm()}
	v.CanSubmit = acc.can(actEdit) && a.Status.Editable()
	v.DecideProblem, err = s.wf.DecideProblem(ctx, a, rs, acc.role, u.ID)
	if err != nil {
		return nil, err
	}
	v.IsReviewer = acc.role == assessments.RoleReviewer
	v.CanSetReview = a.Status == assessments.Approved && (acc.role == assessments.RoleOwner || acc.admin)
	if a.Status == assessments.Approved && acc.can(actEdit) {
		latest, err := s.isLatestCycle(ctx, a)
		if err != nil {
			return nil, err
		}
		v.CanReassess = latest
	}
	comments, err := s.store.Comments(ctx, a.ID, false)
	if err != nil {
		return nil, err
	}
	v.OpenComments = comments
	v.CanConsult = workflow.CanGiveOpinion(acc.wf(), a)
	v.ConsultForm = templates.NewForm()
	v.ConsultForm.Set("dpo_opinion", a.State.Consultation.DPOOpinion)
	v.ConsultForm.Set("views_sought", a.State.Consultation.ViewsSought)
	v.ConsultForm.Set("views", a.State.Consultation.Views)
	if v.IsReviewer {
		if v.Redecide, err = s.wf.Redecisions(ctx, a); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (s *Server) isLatestCycle(ctx context.Context, a *assessments.Assessment) (bool, error) {
	list, err := s.store.Assessments(ctx, a.ProjectID)
	if err != nil {
		return false, err
	}
	return len(list) > 0 && list[0].ID == a.ID, nil
}

// canComment: reviewers and editors discuss an assessment until it is approved.
func canComment(acc *access, a *assessments.Assessment) bool { return workflow.CanComment(acc.wf(), a) }

// formRefusal is the status and message of a refused step that a form page shows beside the
// form, with what was typed kept; ok is false for the errors that go to the error page instead
// (not found, forbidden, anything unexpected).
func formRefusal(err error) (status int, msg string, ok bool) {
	var invalid *workflow.ValidationError
	var conflict *workflow.ConflictError
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg, he.status != http.StatusForbidden && he.status != http.StatusNotFound
	case errors.As(err, &invalid):
		_, msg = invalid.First()
		return http.StatusUnprocessableEntity, msg, true
	case errors.Is(err, workflow.ErrForbidden), errors.Is(err, workflow.ErrNotFound):
		return 0, "", false
	case errors.Is(err, workflow.ErrFrozen):
		return http.StatusConflict, err.Error(), true
	case errors.As(err, &conflict):
		return http.StatusConflict, conflict.What, true
	}
	return 0, "", false
}

// reviewStep runs one review step for the form and the API alike.
func (s *Server) reviewStep(c echo.Context, kind assessments.ReviewKind, base int, text string) (*assessments.Assessment, error) {
	id, err := paramID(c, "assessment")
	if err != nil {
		return nil, err
	}
	ctx, who := c.Request().Context(), s.actor(c)
	switch kind {
	case assessments.ReviewSubmit:
		return s.wf.Submit(ctx, who, id, base, text)
	case assessments.ReviewApprove:
		return s.wf.Approve(ctx, who, id, base, text)
	default:
		return s.wf.RequestChanges(ctx, who, id, base, text)
	}
}

func (s *Server) reviewForm(kind assessments.ReviewKind, field string) echo.HandlerFunc {
	return func(c echo.Context) error {
		base, err := strconv.Atoi(c.FormValue("revision"))
		if err != nil {
			base = -1
		}
		saved, err := s.reviewStep(c, kind, base, c.FormValue(field))
		if status, msg, ok := formRefusal(err); ok {
			return s.overviewRefused(c, status, msg)
		}
		if err != nil {
			return err
		}
		switch kind {
		case assessments.ReviewSubmit:
			s.flash(c, "Submitted for review. The project's reviewers have been notified.")
		case assessments.ReviewApprove:
			s.flash(c, "Approved. The assessment is frozen at revision "+strconv.Itoa(saved.Revision)+".")
		default:
			s.flash(c, "Changes requested. The assessors have been notified.")
		}
		return c.Redirect(http.StatusSeeOther, assessmentPath(saved.ID))
	}
}

// overviewWithError shows the overview again with the message of a refused step.
func (s *Server) overviewWithError(c echo.Context, he *httpError) error {
	return s.overviewRefused(c, he.status, he.msg)
}

// overviewRefused shows the overview again with the message of a refused review step and the
// typed comment kept.
func (s *Server) overviewRefused(c echo.Context, status int, msg string) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	v := s.assessmentView(acc, a, def)
	if v.Review, err = s.reviewView(c, acc, a, def); err != nil {
		return err
	}
	v.Review.Form = formFrom(c, "note", "comment", "next_review_at")
	v.Review.Form.Fail("_", msg)
	return s.render(c, status, templates.AssessmentOverview(s.page(c, def.Title, "projects"), v))
}

// reassess starts the next cycle from an approved assessment.
func (s *Server) reassess(c echo.Context) (*assessments.Assessment, error) {
	id, err := paramID(c, "assessment")
	if err != nil {
		return nil, err
	}
	return s.wf.Reassess(c.Request().Context(), s.actor(c), id)
}

func (s *Server) reassessForm(c echo.Context) error {
	next, err := s.reassess(c)
	if status, msg, ok := formRefusal(err); ok {
		return s.overviewRefused(c, status, msg)
	}
	if err != nil {
		return err
	}
	s.flash(c, fmt.Sprintf("Cycle %d started from the approved assessment.", next.Cycle))
	return c.Redirect(http.StatusSeeOther, assessmentPath(next.ID))
}

// consultationInput reads the consultation from a form or a JSON body alike.
type consultationInput struct {
	DPOOpinion  string `json:"dpo_opinion"`
	ViewsSought string `json:"views_sought"`
	Views       string `json:"views"`
}

func (in consultationInput) consultation() assessments.Consultation {
	return assessments.Consultation{DPOOpinion: in.DPOOpinion, ViewsSought: in.ViewsSought, Views: in.Views}
}

// saveConsultation records the privacy officer's opinion and the views of the people affected,
// given by a reviewer.
func (s *Server) saveConsultation(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	f := formFrom(c, "dpo_opinion", "views_sought", "views")
	in := consultationInput{DPOOpinion: f.Get("dpo_opinion"), ViewsSought: f.Get("views_sought"), Views: f.Get("views")}
	base, _ := strconv.Atoi(c.FormValue("revision"))
	_, err = s.wf.GiveOpinion(c.Request().Context(), s.actor(c), id, base, in.consultation())
	if err == nil {
		s.flash(c, "Consultation saved.")
		return c.Redirect(http.StatusSeeOther, assessmentPath(id)+"#consultation")
	}
	var invalid *workflow.ValidationError
	var forbidden *workflow.ForbiddenError
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &invalid):
		for field, msg := range invalid.Fields {
			f.Fail(field, msg)
		}
	case errors.As(err, &forbidden):
		// A member who may not give the opinion sees why on the page, not an error page; the
		// refusal is audited as every 403 is.
		status = http.StatusForbidden
		f.Fail("_", forbidden.Reason)
		s.auditRefusal(c, store.AuditAccessDenied, map[string]any{"reason": forbidden.Reason})
	default:
		st, msg, ok := formRefusal(err)
		if !ok {
			return err
		}
		status = st
		f.Fail("_", msg)
	}
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	v := s.assessmentView(acc, a, def)
	if v.Review, err = s.reviewView(c, acc, a, def); err != nil {
		return err
	}
	v.Review.ConsultForm = f
	v.Review.ConsultRefused = !v.Review.CanConsult
	return s.render(c, status, templates.AssessmentOverview(s.page(c, def.Title, "projects"), v))
}

// addComment stores a reviewer's or assessor's comment on a question or finding.
func (s *Server) addComment(c echo.Context) error {
	_, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	in := workflow.CommentInput{TargetKind: c.FormValue("target_kind"), TargetKey: c.FormValue("target_key"), Body: c.FormValue("body")}
	_, err = s.wf.AddComment(c.Request().Context(), s.actor(c), a.ID, in)
	back := workflow.CommentLink(def, a, in.TargetKind, in.TargetKey)
	var invalid *workflow.ValidationError
	switch {
	case errors.As(err, &invalid):
		_, msg := invalid.First()
		s.flash(c, msg+" Nothing was saved.")
		return c.Redirect(http.StatusSeeOther, back)
	case err != nil:
		return err
	}
	s.flash(c, "Comment added.")
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Server) resolveComment(c echo.Context) error {
	_, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	id, err := paramID(c, "comment")
	if err != nil {
		return err
	}
	resolved, err := s.wf.ResolveComment(c.Request().Context(), s.actor(c), a.ID, id)
	if err != nil {
		return err
	}
	if a, err = s.store.Assessment(c.Request().Context(), a.ID); err != nil {
		return err
	}
	s.flash(c, "Comment resolved.")
	return c.Redirect(http.StatusSeeOther, workflow.CommentLink(def, a, resolved.TargetKind, resolved.TargetKey))
}

// projectSnapshot describes the project as it is now, to record with an export.
func (s *Server) projectSnapshot(ctx context.Context, p *assessments.Project) (*assessments.ProjectSnapshot, error) {
	return s.wf.ProjectSnapshot(ctx, p)
}
