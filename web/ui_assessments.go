package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// assessmentAccess loads the assessment in :assessment with its project, checking that the user
// may do act in that project (404 for outsiders, as for the project itself).
func (s *Server) assessmentAccess(c echo.Context, act action) (*access, *assessments.Assessment, *questionnaire.Definition, error) {
	id, err := paramID(c, "assessment")
	if err != nil {
		return nil, nil, nil, err
	}
	ctx := c.Request().Context()
	a, err := s.store.Assessment(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	acc, err := s.accessTo(c, a.ProjectID, act)
	if err != nil {
		return nil, nil, nil, err
	}
	def, err := s.questionnaires.get(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return nil, nil, nil, err
	}
	return acc, a, def, nil
}

// startAssessment begins the project's next cycle on the chosen questionnaire (its newest
// version), carrying over by question key the answers of the previous cycle that still fit.
func (s *Server) startAssessment(c echo.Context) error {
	acc, err := s.projectAccess(c, actEdit)
	if err != nil {
		return err
	}
	a, err := s.createAssessment(c, acc, c.FormValue("questionnaire"))
	var he *httpError
	if errors.As(err, &he) {
		s.flash(c, he.msg)
		return c.Redirect(http.StatusSeeOther, projectPath(acc.project.ID))
	}
	if err != nil {
		return err
	}
	s.flash(c, fmt.Sprintf("Assessment cycle %d started.", a.Cycle))
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID))
}

func (s *Server) createAssessment(c echo.Context, acc *access, key string) (*assessments.Assessment, error) {
	ctx := c.Request().Context()
	latest, err := s.questionnaires.latest(ctx)
	if err != nil {
		return nil, err
	}
	var def *questionnaire.Definition
	for _, d := range latest {
		if d.Key == key {
			def = d
		}
	}
	if def == nil {
		return nil, apiErr(http.StatusUnprocessableEntity, fmt.Sprintf("there is no questionnaire %q", key), "questionnaire")
	}
	previous, err := s.store.Assessments(ctx, acc.project.ID)
	if err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("Started cycle %d on %s version %d", len(previous)+1, def.Title, def.Version)
	state := assessments.State{Questionnaire: def.Key, QuestionnaireVersion: def.Version}
	var carried *workflow.CarriedCycle
	switch {
	case len(previous) > 0 && previous[0].Status == assessments.Approved:
		// The risk work goes on: findings, mitigations with their tracking, evidence and
		// acceptances still valid (see workflow.CarryFrom); the summary says what was carried.
		cc, err := s.wf.CarryFrom(ctx, def, previous[0], s.now())
		if err != nil {
			return nil, err
		}
		carried, state = &cc, cc.State
		summary = fmt.Sprintf("Started cycle %d on %s version %d. %s", len(previous)+1, def.Title, def.Version, cc.Summary.Text())
	case len(previous) > 0:
		state.Answers = carryOver(def, previous[0].Answers())
		summary += fmt.Sprintf(", %d answers carried over from cycle %d", len(state.Answers), previous[0].Cycle)
		// Evidence goes along, each record marked with the cycle it came from.
		state = assessments.CarryEvidence(def, previous[0].State, state)
		if n := len(state.Evidence); n > 0 {
			summary += fmt.Sprintf(", %d evidence %s", n, map[bool]string{true: "record", false: "records"}[n == 1])
		}
	}
	policy, err := s.wf.Policy(ctx)
	if err != nil {
		return nil, err
	}
	n := store.NewAssessment{ProjectID: acc.project.ID, State: assessments.ReconcilePolicy(def, state, policy), Author: authFrom(c).user.ID, Summary: summary}
	var a *assessments.Assessment
	if e := takeAuditNext(c); e != nil {
		err = s.wf.Audited(ctx, e, func(st *store.Store) (err error) {
			if a, err = st.CreateAssessment(ctx, n); err == nil {
				e.Target = store.AuditTarget("assessment", a.ID)
				if e.Details != nil {
					e.Details["cycle"] = a.Cycle
				}
			}
			return err
		})
	} else {
		a, err = s.store.CreateAssessment(ctx, n)
	}
	if errors.Is(err, store.ErrOpenAssessment) {
		return nil, apiErr(http.StatusConflict, "This project already has an assessment in progress: finish it before starting another.", "questionnaire")
	}
	if err != nil || carried == nil {
		return a, err
	}
	moved, listed, err := s.wf.CarryComments(ctx, def, previous[0], a)
	if err != nil {
		return nil, err
	}
	err = s.audited(c, "assessment.carry", "assessment:"+strconv.FormatInt(a.ID, 10), map[string]any{"from": previous[0].ID,
		"carried": carried.Summary, "comments_carried": len(moved), "comments_left": len(listed)}, func(*store.Store) error { return nil })
	return a, err
}

// carryOver keeps the earlier answers whose question still exists and accepts the value.
func carryOver(def *questionnaire.Definition, old map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range old {
		q, ok := def.Question(k)
		if !ok {
			continue
		}
		if nv, err := q.FromJSON(v); err == nil && nv != nil {
			out[k] = nv
		}
	}
	return out
}

func assessmentPath(id int64) string { return "/assessments/" + strconv.FormatInt(id, 10) }

// assessmentView gathers what every assessment page shows: progress, risks and where they come from.
func (s *Server) assessmentView(acc *access, a *assessments.Assessment, def *questionnaire.Definition) templates.AssessmentView {
	answers := questionnaire.Answers(a.Answers())
	v := templates.AssessmentView{
		Project: acc.project, Assessment: a, Def: def, Progress: def.Progress(answers), Raised: def.Evaluate(answers),
		CanEdit: acc.can(actEdit) && a.Status.Editable(), Revision: a.Revision, CanComment: canComment(acc, a),
		Values: map[string][]string{}, Errors: map[string]string{}, Visible: map[string]bool{}, RaisedBy: map[string][]string{},
	}
	for _, q := range def.Questions() {
		v.Visible[q.Key] = def.Visible(q.Key, answers)
		v.Values[q.Key] = templates.FormValues(a.Answers()[q.Key])
	}
	for _, r := range v.Raised {
		for k := range r.Inputs {
			v.RaisedBy[k] = append(v.RaisedBy[k], r.Rule.Title)
		}
	}
	return v
}

func (s *Server) showAssessment(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	v := s.assessmentView(acc, a, def)
	if v.Review, err = s.reviewView(c, acc, a, def); err != nil {
		return err
	}
	// Opening the assessment is reading what the notifications about it said.
	if err := s.store.MarkNotificationsReadByLink(c.Request().Context(), authFrom(c).user.ID, assessmentPath(a.ID)); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.AssessmentOverview(s.page(c, def.Title, "projects"), v))
}

func (s *Server) showSection(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	sec, ok := def.Section(c.Param("section"))
	if !ok {
		return errNotFound
	}
	v := s.assessmentView(acc, a, def)
	v.Section = sec
	if err := s.loadComments(c, &v); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.AssessmentSection(s.page(c, sec.Title+" · "+def.Title, "projects"), v))
}

// fieldName is the form field of a question; the prefix keeps keys clear of _csrf and revision.
func fieldName(key string) string { return "q." + key }

// saveSection stores the answers of one section, posted as a normal form or by the autosave
// script (which asks for JSON). A save against an older revision is refused with what changed in
// between, and the page keeps everything the user typed.
func (s *Server) saveSection(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actEdit)
	if err != nil {
		return err
	}
	sec, ok := def.Section(c.Param("section"))
	if !ok {
		return errNotFound
	}
	if err := workflow.Editable(a); err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	base, _ := strconv.Atoi(form.Get("revision"))
	proposed := map[string]any{}
	fieldErrors := map[string]string{}
	for _, q := range sec.Questions {
		val, err := q.FromForm(form[fieldName(q.Key)])
		if err != nil {
			fieldErrors[q.Key] = capitalise(err.Error()) + "."
			continue
		}
		proposed[q.Key] = val
	}
	wantsJSON := strings.Contains(c.Request().Header.Get("Accept"), "application/json")
	v := s.assessmentView(acc, a, def)
	v.Section = sec
	for _, q := range sec.Questions {
		v.Values[q.Key] = form[fieldName(q.Key)]
	}
	v.Errors = fieldErrors
	v.Revision = base
	if len(fieldErrors) > 0 {
		if wantsJSON {
			return c.JSON(http.StatusUnprocessableEntity, saveResultOf(v))
		}
		return s.render(c, http.StatusUnprocessableEntity, templates.AssessmentSection(s.page(c, sec.Title+" · "+def.Title, "projects"), v))
	}
	// A form opened at an older revision is merged with what others saved since: answers only the
	// user changed, or only the others changed, both survive. Only a question both changed, to
	// different answers, is a conflict the user must look at.
	var conflicts []string
	if base != a.Revision {
		if proposed, conflicts, err = s.mergeSection(c, a, sec, base, proposed); err != nil {
			return err
		}
		if len(conflicts) == 0 {
			base = a.Revision
		}
	}
	var saved *assessments.Assessment
	if len(conflicts) == 0 {
		saved, err = s.commit(c, a, def, base, a.State.Apply(assessments.Change{Answers: proposed}), "")
	} else {
		err = store.ErrConflict
	}
	if errors.Is(err, store.ErrConflict) {
		if a, err = s.store.Assessment(c.Request().Context(), a.ID); err != nil {
			return err
		}
		v.Conflict, err = s.conflict(c, a, def, base, conflicts)
		if err != nil {
			return err
		}
		// Show the merged answers, with the user's own where both changed; saving again
		// deliberately applies them on top of the current revision.
		for k, val := range proposed {
			if !slices.Contains(conflicts, k) {
				v.Values[k] = templates.FormValues(val)
			}
		}
		v.Revision = a.Revision
		if wantsJSON {
			return c.JSON(http.StatusConflict, map[string]any{"error": "Someone else changed the same answers since you opened the page.", "current_revision": a.Revision})
		}
		return s.render(c, http.StatusConflict, templates.AssessmentSection(s.page(c, sec.Title+" · "+def.Title, "projects"), v))
	}
	if err != nil {
		return err
	}
	if wantsJSON {
		nv := s.assessmentView(acc, saved, def)
		nv.Section = sec
		return c.JSON(http.StatusOK, saveResultOf(nv))
	}
	if next := form.Get("next"); next != "" {
		if _, ok := def.Section(next); ok {
			return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/sections/"+next)
		}
		if next == "overview" {
			return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID))
		}
	}
	s.flash(c, "Saved.")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/sections/"+sec.Key)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// conflict lists what others changed after the revision the user started from.
func (s *Server) conflict(c echo.Context, a *assessments.Assessment, def *questionnaire.Definition, base int, keys []string) (*templates.ConflictView, error) {
	revs, err := s.store.Revisions(c.Request().Context(), a.ID, max(base, 0))
	if err != nil {
		return nil, err
	}
	cv := &templates.ConflictView{Current: a.Revision}
	for _, r := range revs {
		for key, val := range r.Change.Answers {
			if keys != nil && !slices.Contains(keys, key) {
				continue
			}
			label := key
			if q, ok := def.Question(key); ok {
				label = q.Label
			}
			cv.Changes = append(cv.Changes, templates.ChangedAnswer{Key: key, Label: label, Value: templates.AnswerText(def, key, val),
				By: r.AuthorEmail, At: r.CreatedAt, Revision: r.Number})
		}
	}
	return cv, nil
}

// saveResult is the autosave script's answer: enough to update progress, visibility, risk marks
// and errors without reloading.
type saveResult struct {
	Revision int                          `json:"revision"`
	Progress questionnaire.Progress       `json:"progress"`
	Visible  map[string]bool              `json:"visible"`
	RaisedBy map[string][]string          `json:"raised_by"`
	Errors   map[string]string            `json:"errors"`
	Risks    int                          `json:"risks"`
	Sections map[string]templates.SecMark `json:"sections"`
}

func saveResultOf(v templates.AssessmentView) saveResult {
	marks := map[string]templates.SecMark{}
	for _, sp := range v.Progress.Sections {
		marks[sp.Key] = templates.SectionMark(sp.Tally)
	}
	return saveResult{Revision: v.Revision, Progress: v.Progress, Visible: v.Visible, RaisedBy: v.RaisedBy,
		Errors: v.Errors, Risks: len(v.Raised), Sections: marks}
}

// commit saves next as the assessment's new state, if the assessment is still at revision base:
// it brings the findings in line with the answers and appends one revision holding the
// difference. An empty summary is written from the change.
func (s *Server) commit(c echo.Context, a *assessments.Assessment, def *questionnaire.Definition, base int, next assessments.State, summary string) (*assessments.Assessment, error) {
	if base != a.Revision {
		// next was computed from a.State; only a change based on that very revision may land.
		return nil, store.ErrConflict
	}
	policy, err := s.wf.Policy(c.Request().Context())
	if err != nil {
		return nil, err
	}
	next = assessments.ReconcilePolicy(def, next, policy) // the instance's limits, so a policy change takes effect
	if next.Status == assessments.ChangesRequested && !assessments.Diff(a.State, next).Empty() {
		next.Status = assessments.Draft // the requested changes are being made
	}
	change := assessments.Diff(a.State, next)
	if summary == "" {
		summary = assessments.Summarise(def, a.State, change)
	}
	ctx := c.Request().Context()
	e := takeAuditNext(c)
	if e == nil {
		return s.store.ApplyChange(ctx, a.ID, base, authFrom(c).user.ID, change, summary)
	}
	var saved *assessments.Assessment
	err = s.wf.Audited(ctx, e, func(st *store.Store) (err error) {
		saved, err = st.ApplyChange(ctx, a.ID, base, authFrom(c).user.ID, change, summary)
		if err == nil && e.Details != nil {
			e.Details["revision"] = saved.Revision
		}
		return err
	})
	return saved, err
}

// loadComments fills the open comments the page shows beside questions and findings.
func (s *Server) loadComments(c echo.Context, v *templates.AssessmentView) error {
	list, err := s.store.Comments(c.Request().Context(), v.Assessment.ID, false)
	if err != nil {
		return err
	}
	v.Comments = map[string][]*assessments.Comment{}
	for _, cm := range list {
		k := cm.TargetKind + ":" + cm.TargetKey
		v.Comments[k] = append(v.Comments[k], cm)
	}
	return nil
}

// mergeSection merges the answers a user posted for a section, from a form opened at revision
// base, with the current answers. It returns the answers to save and the questions where both
// sides changed the answer differently.
func (s *Server) mergeSection(c echo.Context, a *assessments.Assessment, sec *questionnaire.Section, base int, posted map[string]any) (map[string]any, []string, error) {
	var conflicts []string
	if base < 1 || base > a.Revision {
		for _, q := range sec.Questions {
			if !assessments.SameAnswer(posted[q.Key], a.Answers()[q.Key]) {
				conflicts = append(conflicts, q.Key)
			}
		}
		return posted, conflicts, nil
	}
	states, err := s.statesAt(c, a, base)
	if err != nil {
		return nil, nil, err
	}
	was := states[base].Answers
	merged := map[string]any{}
	for _, q := range sec.Questions {
		mine, theirs, before := posted[q.Key], a.Answers()[q.Key], was[q.Key]
		switch {
		case assessments.SameAnswer(mine, before): // the user left it: keep the others' answer
			merged[q.Key] = theirs
		case assessments.SameAnswer(theirs, before), assessments.SameAnswer(mine, theirs):
			merged[q.Key] = mine
		default:
			merged[q.Key] = mine
			conflicts = append(conflicts, q.Key)
		}
	}
	return merged, conflicts, nil
}
