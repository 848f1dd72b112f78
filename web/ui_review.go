package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

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

// decideProblem says why this user may not approve or request changes now; empty means they may.
// An admin who is not a member has no role and so no decision.
func (s *Server) decideProblem(ctx context.Context, acc *access, a *store.Assessment, rs *workflow.ReviewState, userID int64) (string, error) {
	return s.wf.DecideProblem(ctx, a, rs, acc.role, userID)
}

// reviewView fills the overview's review panel.
func (s *Server) reviewView(c echo.Context, acc *access, a *store.Assessment, def *questionnaire.Definition) (*templates.ReviewView, error) {
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
	v.DecideProblem, err = s.decideProblem(ctx, acc, a, rs, u.ID)
	if err != nil {
		return nil, err
	}
	v.IsReviewer = acc.role == store.RoleReviewer
	v.CanSetReview = a.Status == assessments.Approved && (acc.role == store.RoleOwner || acc.admin)
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
	v.CanConsult = canComment(acc, a)
	v.ConsultForm = templates.NewForm()
	v.ConsultForm.Set("dpo_opinion", a.State.Consultation.DPOOpinion)
	v.ConsultForm.Set("views_sought", a.State.Consultation.ViewsSought)
	v.ConsultForm.Set("views", a.State.Consultation.Views)
	return v, nil
}

func (s *Server) isLatestCycle(ctx context.Context, a *store.Assessment) (bool, error) {
	list, err := s.store.Assessments(ctx, a.ProjectID)
	if err != nil {
		return false, err
	}
	return len(list) > 0 && list[0].ID == a.ID, nil
}

// canComment: reviewers and editors discuss an assessment until it is approved.
func canComment(acc *access, a *store.Assessment) bool {
	return a.Status != assessments.Approved && !acc.project.Archived() &&
		(acc.role == store.RoleReviewer || acc.can(actEdit))
}

func notifications(members []*store.Member, except int64, kind, title, link string) []store.Notification {
	var out []store.Notification
	seen := map[int64]bool{except: true}
	for _, m := range members {
		if !seen[m.UserID] {
			seen[m.UserID] = true
			out = append(out, store.Notification{UserID: m.UserID, Kind: kind, Title: title, Link: link})
		}
	}
	return out
}

// transition carries out a review step. It is shared by the form posts and the API: errors are
// httpErrors with messages for people.
func (s *Server) transition(c echo.Context, kind store.ReviewKind, base int, comment string) (*store.Assessment, error) {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	u := authFrom(c).user
	if utf8.RuneCountInString(comment) > 20000 {
		return nil, apiErr(http.StatusUnprocessableEntity, "The comment is too long (at most 20,000 characters).", "comment")
	}
	if acc.project.Archived() {
		return nil, apiErr(http.StatusConflict, "The project is archived: restore it before reviewing its assessments.", "")
	}
	d := store.Decision{AssessmentID: a.ID, Base: base, UserID: u.ID, UserEmail: u.Email, Kind: kind, Comment: strings.TrimSpace(comment)}
	link := assessmentPath(a.ID)
	switch kind {
	case store.ReviewSubmit:
		if !acc.can(actEdit) {
			return nil, errForbidden
		}
		if !a.Status.Editable() {
			return nil, apiErr(http.StatusConflict, "The assessment is "+strings.ToLower(a.Status.Label())+"; only a draft can be submitted.", "")
		}
		probs, err := s.wf.SubmitProblems(ctx, def, a)
		if err != nil {
			return nil, err
		}
		if len(probs) > 0 {
			return nil, apiErr(http.StatusConflict, "Not ready for review: "+strings.Join(probs, " "), "")
		}
		reviewers, err := s.wf.MembersWith(ctx, a.ProjectID, store.RoleReviewer)
		if err != nil {
			return nil, err
		}
		d.Status, d.Summary = assessments.InReview, "Submitted for review"
		d.Notify = notifications(reviewers, u.ID, "review_requested", acc.project.Name+": an assessment awaits your review", link)
	case store.ReviewApprove, store.ReviewRequestChanges:
		rs, err := s.wf.ReviewState(ctx, a)
		if err != nil {
			return nil, err
		}
		problem, err := s.decideProblem(ctx, acc, a, rs, u.ID)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			status := http.StatusConflict
			if acc.role != store.RoleReviewer {
				status = http.StatusForbidden
			}
			return nil, apiErr(status, problem, "")
		}
		team, err := s.wf.MembersWith(ctx, a.ProjectID, store.RoleOwner, store.RoleAssessor)
		if err != nil {
			return nil, err
		}
		if kind == store.ReviewApprove {
			probs, err := s.wf.ApprovalProblems(ctx, a.State)
			if err != nil {
				return nil, err
			}
			if len(probs) > 0 {
				return nil, apiErr(http.StatusConflict, "Cannot approve yet: "+strings.Join(probs, " "), "")
			}
			if d.NextReview, err = s.wf.NextReview(ctx, a.State, s.now()); err != nil {
				return nil, err
			}
			d.Status, d.Summary = assessments.Approved, "Approved"
			d.Notify = notifications(team, u.ID, "approved", acc.project.Name+": assessment approved", link)
		} else {
			if d.Comment == "" {
				return nil, apiErr(http.StatusUnprocessableEntity, "Say what needs to change.", "comment")
			}
			d.Status, d.Summary = assessments.ChangesRequested, "Changes requested"
			d.Notify = notifications(team, u.ID, "changes_requested", acc.project.Name+": changes requested on the assessment", link)
		}
	}
	if kind != store.ReviewRequestChanges {
		if d.Project, err = s.projectSnapshot(ctx, acc.project); err != nil {
			return nil, err
		}
	}
	var saved *store.Assessment
	e := s.event(c, "assessment."+string(kind), store.AuditTarget("assessment", a.ID), map[string]any{"project": a.ProjectID, "comment": d.Comment})
	err = s.wf.Audited(ctx, &e, func(st *store.Store) (err error) {
		if saved, err = st.Decide(ctx, d); err == nil {
			e.Details["revision"], e.Details["state_hash"] = saved.Revision, saved.StateHash
		}
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, apiErr(http.StatusConflict, "The assessment changed since you opened it. Reload, check the changes, and decide again.", "")
	}
	if err != nil {
		return nil, err
	}
	return saved, nil
}

func (s *Server) reviewForm(kind store.ReviewKind, field string) echo.HandlerFunc {
	return func(c echo.Context) error {
		base, err := strconv.Atoi(c.FormValue("revision"))
		if err != nil {
			base = -1
		}
		saved, err := s.transition(c, kind, base, c.FormValue(field))
		var he *httpError
		if errors.As(err, &he) && he.status != http.StatusForbidden && he.status != http.StatusNotFound {
			return s.overviewWithError(c, he)
		}
		if err != nil {
			return err
		}
		switch kind {
		case store.ReviewSubmit:
			s.flash(c, "Submitted for review. The project's reviewers have been notified.")
		case store.ReviewApprove:
			s.flash(c, "Approved. The assessment is frozen at revision "+strconv.Itoa(saved.Revision)+".")
		default:
			s.flash(c, "Changes requested. The assessors have been notified.")
		}
		return c.Redirect(http.StatusSeeOther, assessmentPath(saved.ID))
	}
}

// overviewWithError shows the overview again with the message of a refused review step and the
// typed comment kept.
func (s *Server) overviewWithError(c echo.Context, he *httpError) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	v := s.assessmentView(acc, a, def)
	if v.Review, err = s.reviewView(c, acc, a, def); err != nil {
		return err
	}
	v.Review.Form = formFrom(c, "note", "comment", "next_review_at")
	v.Review.Form.Fail("_", he.msg)
	return s.render(c, he.status, templates.AssessmentOverview(s.page(c, def.Title, "projects"), v))
}

// reassess starts the next cycle from an approved assessment.
func (s *Server) reassess(c echo.Context) (*store.Assessment, error) {
	acc, a, _, err := s.assessmentAccess(c, actEdit)
	if err != nil {
		return nil, err
	}
	if a.Status != assessments.Approved {
		return nil, apiErr(http.StatusConflict, "Only an approved assessment can be re-assessed; this one is "+strings.ToLower(a.Status.Label())+".", "")
	}
	s.auditNextCommit(c, store.AuditAssessmentReassess, "", map[string]any{"from": a.ID})
	return s.createAssessment(c, acc, a.QuestionnaireKey)
}

func (s *Server) reassessForm(c echo.Context) error {
	next, err := s.reassess(c)
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusConflict {
		return s.overviewWithError(c, he)
	}
	if err != nil {
		return err
	}
	s.flash(c, fmt.Sprintf("Cycle %d started from the approved assessment.", next.Cycle))
	return c.Redirect(http.StatusSeeOther, assessmentPath(next.ID))
}

// saveConsultation records the privacy officer's opinion and the views of the people affected.
func (s *Server) saveConsultation(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	if !canComment(acc, a) {
		return errForbidden
	}
	f := formFrom(c, "dpo_opinion", "views_sought", "views")
	cons := assessments.Consultation{DPOOpinion: f.Get("dpo_opinion"), ViewsSought: f.Get("views_sought"), Views: f.Get("views")}
	switch {
	case cons.ViewsSought != "" && cons.ViewsSought != "yes" && cons.ViewsSought != "no":
		f.Fail("views_sought", "Choose yes or no.")
	case cons.ViewsSought != "" && strings.TrimSpace(cons.Views) == "":
		f.Fail("views", "Summarise the views, or say why they were not sought.")
	}
	checkText(f, "dpo_opinion", 20000)
	checkText(f, "views", 20000)
	if f.Valid() {
		next := a.State
		next.Consultation = cons
		base, _ := strconv.Atoi(c.FormValue("revision"))
		_, err = s.commit(c, a, def, base, next, "Recorded the consultation (DPO opinion, views of the people affected)")
		if err == nil {
			s.flash(c, "Consultation saved.")
			return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"#consultation")
		}
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		f.Fail("_", "Someone else changed the assessment meanwhile; your text is kept below. Save again to record it.")
		if a, err = s.store.Assessment(c.Request().Context(), a.ID); err != nil {
			return err
		}
	}
	v := s.assessmentView(acc, a, def)
	if v.Review, err = s.reviewView(c, acc, a, def); err != nil {
		return err
	}
	v.Review.ConsultForm = f
	return s.render(c, http.StatusUnprocessableEntity, templates.AssessmentOverview(s.page(c, def.Title, "projects"), v))
}

// addComment stores a reviewer's or assessor's comment on a question or finding.
func (s *Server) addComment(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	if !canComment(acc, a) {
		return errForbidden
	}
	kind, key, body := c.FormValue("target_kind"), c.FormValue("target_key"), strings.TrimSpace(c.FormValue("body"))
	back := assessmentPath(a.ID)
	switch kind {
	case "question":
		q, ok := def.Question(key)
		if !ok {
			return errNotFound
		}
		back += "/sections/" + q.Section + "#q-" + key
	case "finding":
		if _, ok := a.State.Findings[key]; !ok {
			return errNotFound
		}
		back += "/findings/" + key + "#comments"
	default:
		return errNotFound
	}
	if body == "" || utf8.RuneCountInString(body) > 20000 {
		s.flash(c, "A comment needs text (at most 20,000 characters). Nothing was saved.")
		return c.Redirect(http.StatusSeeOther, back)
	}
	u := authFrom(c).user
	team, err := s.wf.MembersWith(c.Request().Context(), a.ProjectID, store.RoleOwner, store.RoleAssessor, store.RoleReviewer)
	if err != nil {
		return err
	}
	_, err = s.store.AddComment(c.Request().Context(), store.Comment{AssessmentID: a.ID, TargetKind: kind, TargetKey: key,
		AuthorID: u.ID, AuthorEmail: u.Email, Body: body, Revision: a.Revision},
		notifications(team, u.ID, "comment", acc.project.Name+": new comment from "+u.Email, back))
	if err != nil {
		return err
	}
	s.flash(c, "Comment added.")
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Server) resolveComment(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	id, err := paramID(c, "comment")
	if err != nil {
		return err
	}
	comments, err := s.store.Comments(c.Request().Context(), a.ID, false)
	if err != nil {
		return err
	}
	u := authFrom(c).user
	var target *store.Comment
	for _, cm := range comments {
		if cm.ID == id {
			target = cm
		}
	}
	if target == nil {
		return errNotFound
	}
	if !canComment(acc, a) || (!acc.can(actEdit) && target.AuthorID != u.ID) {
		return errForbidden
	}
	if _, err := s.store.ResolveComment(c.Request().Context(), a.ID, id, u.ID, u.Email); err != nil {
		return err
	}
	s.flash(c, "Comment resolved.")
	back := assessmentPath(a.ID)
	if target.TargetKind == "question" {
		if q, ok := def.Question(target.TargetKey); ok {
			back += "/sections/" + q.Section + "#q-" + q.Key
		}
	} else {
		back += "/findings/" + target.TargetKey + "#comments"
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// projectSnapshot describes the project as it is now, to record with a submission or decision.
func (s *Server) projectSnapshot(ctx context.Context, p *store.Project) (*assessments.ProjectSnapshot, error) {
	snap := &assessments.ProjectSnapshot{Name: p.Name, Purpose: p.Purpose, BaseModel: p.BaseModel, Deployment: p.Deployment,
		Datasets: []assessments.Dataset{}, Members: []assessments.MemberSnapshot{}}
	datasets, err := s.store.Datasets(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, d := range datasets {
		snap.Datasets = append(snap.Datasets, d.DatasetFields)
	}
	members, err := s.store.Members(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		snap.Members = append(snap.Members, assessments.MemberSnapshot{Name: m.Name, Email: m.Email, Role: string(m.Role)})
	}
	return snap, nil
}
