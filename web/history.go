package web

import (
	"maps"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// history replays an assessment's revisions, checking each against its recorded hash.
func (s *Server) history(c echo.Context, a *store.Assessment) ([]*store.Revision, []assessments.State, error) {
	revs, err := s.store.Revisions(c.Request().Context(), a.ID, 0)
	if err != nil {
		return nil, nil, err
	}
	changes := make([]assessments.Change, len(revs))
	hashes := make([]string, len(revs))
	for i, r := range revs {
		changes[i], hashes[i] = r.Change, r.StateHash
	}
	states, err := assessments.Replay(changes, hashes)
	if err != nil {
		return nil, nil, err
	}
	return revs, states, nil
}

func (s *Server) showHistory(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	revs, states, err := s.history(c, a)
	if err != nil {
		return err
	}
	v := templates.HistoryView{AssessmentView: s.assessmentView(acc, a, def), Revisions: revs, States: states,
		CanRestore: acc.can(actEdit) && a.Status.Editable()}
	n := len(revs)
	v.From, v.To = max(n-1, 1), n
	if f, err := strconv.Atoi(c.QueryParam("from")); err == nil {
		v.From = f
	}
	if t, err := strconv.Atoi(c.QueryParam("to")); err == nil {
		v.To = t
	}
	if v.From < 1 || v.From > n || v.To < 1 || v.To > n {
		return &httpError{status: http.StatusUnprocessableEntity, msg: "Choose two revisions between 1 and " + strconv.Itoa(n) + "."}
	}
	v.Comparison = assessments.Compare(def, states[v.From-1], states[v.To-1])
	return s.render(c, http.StatusOK, templates.History(s.page(c, "History · "+def.Title, "projects"), v))
}

// restore appends a new revision whose content is that of an old one; nothing is rewritten.
func (s *Server) restore(c echo.Context, a *store.Assessment, def *questionnaire.Definition, base, number int) (*store.Assessment, error) {
	_, states, err := s.history(c, a)
	if err != nil {
		return nil, err
	}
	if number < 1 || number > len(states) {
		return nil, apiErr(http.StatusUnprocessableEntity, "there is no revision "+strconv.Itoa(number), "revision")
	}
	old := states[number-1]
	next := a.State
	next.Answers, next.Findings, next.Mitigations, next.Consultation = old.Answers, old.Findings, old.Mitigations, old.Consultation
	next.Seq = max(a.State.Seq, old.Seq) // ids used since must not come back for other items
	// Acceptances are reviewers' decisions, not content: a restore keeps today's, and never
	// brings back one a reviewer has withdrawn since.
	for id, f := range next.Findings {
		cur := a.State.Findings[id]
		if f.Acceptance == nil || (cur != nil && cur.Acceptance != nil && *cur.Acceptance == *f.Acceptance) {
			continue
		}
		g := *f
		g.Acceptance = nil
		if g.Status == assessments.FindingAccepted {
			g.Status = assessments.FindingOpen
		}
		next.Findings = maps.Clone(next.Findings)
		next.Findings[id] = &g
	}
	s.auditNextCommit(c, store.AuditAssessmentRestore, store.AuditTarget("assessment", a.ID), map[string]any{"restored": number})
	return s.commit(c, a, def, base, next, "Restored the content of revision "+strconv.Itoa(number))
}

func (s *Server) restoreForm(c echo.Context) error {
	_, a, def, err := s.editableAssessment(c)
	if err != nil {
		return err
	}
	base, _ := strconv.Atoi(c.FormValue("revision"))
	number, _ := strconv.Atoi(c.FormValue("restore"))
	saved, err := s.restore(c, a, def, base, number)
	if err != nil {
		return err
	}
	s.flash(c, "Restored the content of revision "+strconv.Itoa(number)+" as revision "+strconv.Itoa(saved.Revision)+".")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/history")
}
