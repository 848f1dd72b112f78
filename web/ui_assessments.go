package web

import (
	"context"
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

// startAssessment begins the project's next cycle on the chosen questionnaire (see
// workflow.StartAssessment); a refusal goes back to the project page with its reason.
func (s *Server) startAssessment(c echo.Context) error {
	acc, err := s.projectAccess(c, actEdit)
	if err != nil {
		return err
	}
	a, err := s.wf.StartAssessment(c.Request().Context(), s.actor(c), acc.project.ID, c.FormValue("questionnaire"))
	if msg := userMessage(err); msg != "" {
		s.flash(c, msg)
		return c.Redirect(http.StatusSeeOther, projectPath(acc.project.ID))
	}
	if err != nil {
		return err
	}
	s.flash(c, fmt.Sprintf("Assessment cycle %d started.", a.Cycle))
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID))
}

// userMessage is the message of a refusal fit to show as it is (invalid input, a conflict, a
// frozen thing); "" for other errors.
func userMessage(err error) string {
	var invalid *workflow.ValidationError
	var conflict *workflow.ConflictError
	var frozen *workflow.FrozenError
	switch {
	case errors.As(err, &invalid):
		_, msg := invalid.First()
		return msg
	case errors.As(err, &conflict):
		return conflict.What
	case errors.As(err, &frozen):
		return frozen.Reason
	}
	return ""
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
	if v.Facts, err = s.wf.Facts(c.Request().Context(), a, def, acc.project); err != nil {
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
	v, err := s.sectionView(c, acc, a, def, sec)
	if err != nil {
		return err
	}
	if v.CanEdit {
		// Unanswered questions that ask what the project records start from the project's
		// value; saving the form stores it.
		for k, val := range v.Facts.Prefill {
			if _, shown := v.Values[k]; shown && len(v.Values[k]) == 0 {
				v.Values[k] = templates.FormValues(val)
			}
		}
	}
	return s.render(c, http.StatusOK, templates.AssessmentSection(s.page(c, sec.Title+" · "+def.Title, "projects"), v))
}

// sectionView is what one section's page shows: the assessment, the section's comments, and the
// project facts its questions are prefilled from or contradict.
func (s *Server) sectionView(c echo.Context, acc *access, a *assessments.Assessment, def *questionnaire.Definition, sec *questionnaire.Section) (templates.AssessmentView, error) {
	v := s.assessmentView(acc, a, def)
	v.Section = sec
	if err := s.loadComments(c, &v); err != nil {
		return v, err
	}
	var err error
	v.Facts, err = s.wf.Facts(c.Request().Context(), a, def, acc.project)
	return v, err
}

// fieldName is the form field of a question; the prefix keeps keys clear of _csrf and revision.
func fieldName(key string) string { return "q." + key }

// saveSection stores the answers of one section, posted as a normal form or by the autosave
// script (which asks for JSON), through workflow.SaveAnswers. A save against an older revision
// is merged with what others saved since; where both changed the same answer the page shows what
// they changed and keeps everything the user typed.
func (s *Server) saveSection(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actEdit)
	if err != nil {
		return err
	}
	sec, ok := def.Section(c.Param("section"))
	if !ok {
		return errNotFound
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	base, err := formRevision(form.Get("revision"))
	if err != nil {
		return err
	}
	posted := map[string]any{}
	for _, q := range sec.Questions {
		posted[q.Key] = workflow.FormValues(form[fieldName(q.Key)])
	}
	ctx := c.Request().Context()
	saved, err := s.wf.SaveAnswers(ctx, s.actor(c), a.ID, base, sec.Key, posted)
	wantsJSON := strings.Contains(c.Request().Header.Get("Accept"), "application/json")
	page := s.page(c, sec.Title+" · "+def.Title, "projects")
	var invalid *workflow.ValidationError
	var conflict *workflow.ConflictError
	switch {
	case errors.As(err, &invalid):
		v, err := s.sectionView(c, acc, a, def, sec)
		if err != nil {
			return err
		}
		for _, q := range sec.Questions {
			v.Values[q.Key] = form[fieldName(q.Key)]
		}
		v.Errors, v.Revision = invalid.Fields, base
		if wantsJSON {
			return c.JSON(http.StatusUnprocessableEntity, saveResultOf(v))
		}
		return s.render(c, http.StatusUnprocessableEntity, templates.AssessmentSection(page, v))
	case errors.As(err, &conflict):
		if a, err = s.store.Assessment(ctx, a.ID); err != nil {
			return err
		}
		v, err := s.sectionView(c, acc, a, def, sec)
		if err != nil {
			return err
		}
		for _, q := range sec.Questions {
			v.Values[q.Key] = form[fieldName(q.Key)]
		}
		if v.Conflict, err = s.conflict(ctx, a, def, base, conflict.Questions); err != nil {
			return err
		}
		// Show the merged answers, with the user's own where both changed; saving again
		// deliberately applies them on top of the current revision.
		for k, val := range conflict.Merged {
			if !slices.Contains(conflict.Questions, k) {
				v.Values[k] = templates.FormValues(val)
			}
		}
		v.Revision = a.Revision
		if wantsJSON {
			return c.JSON(http.StatusConflict, map[string]any{"error": "Someone else changed the same answers since you opened the page.", "current_revision": a.Revision})
		}
		return s.render(c, http.StatusConflict, templates.AssessmentSection(page, v))
	case err != nil:
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

// formRevision reads the revision a form was opened at; a missing one is 0 (the form is then
// merged as if opened before any answer), anything but a number is refused.
func formRevision(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, workflow.Invalid("revision", "The form's revision must be a revision number; reload the page.")
	}
	return n, nil
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

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// conflict lists what others changed after the revision the user started from.
func (s *Server) conflict(ctx context.Context, a *assessments.Assessment, def *questionnaire.Definition, base int, keys []string) (*templates.ConflictView, error) {
	revs, err := s.store.Revisions(ctx, a.ID, max(base, 0))
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

// factProblems lists an assessment's answers that contradict what the project records, for the
// project page.
func (s *Server) factProblems(ctx context.Context, a *assessments.Assessment, def *questionnaire.Definition, p *assessments.Project) ([]templates.FactProblem, error) {
	facts, err := s.wf.Facts(ctx, a, def, p)
	if err != nil {
		return nil, err
	}
	var out []templates.FactProblem
	for _, c := range facts.Contradictions {
		f := templates.FactProblem{Question: c.Question, Label: c.Question, Message: c.Msg, Blocking: c.Blocking, URL: assessmentPath(a.ID)}
		if q, ok := def.Question(c.Question); ok {
			f.Label, f.URL = q.Label, assessmentPath(a.ID)+"/sections/"+q.Section+"#q-"+q.Key
		}
		out = append(out, f)
	}
	return out, nil
}
