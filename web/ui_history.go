package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/templates"
)

// statesAt rebuilds the states after the given revisions, checking each against its recorded
// hash; the work is bounded by the revisions asked for, not by the length of the history.
func (s *Server) statesAt(c echo.Context, a *assessments.Assessment, numbers ...int) (map[int]assessments.State, error) {
	return s.store.StatesAt(c.Request().Context(), a.ID, numbers...)
}

// revisionPage lists up to limit revisions below before (zero: the latest), oldest first. It
// checks the newest state it lists against its recorded hash, which covers every change before
// it that still shows in that state; hashing every listed state costs a millisecond each on a
// large register. A change that a later one overwrote is caught when its own state is shown
// (compared, exported, restored) and by store.VerifyAllRevisions, which replays every chain.
func (s *Server) revisionPage(c echo.Context, a *assessments.Assessment, before, limit int) ([]*assessments.Revision, error) {
	revs, err := s.store.RevisionPage(c.Request().Context(), a.ID, before, limit)
	if err != nil {
		return nil, err
	}
	slices.Reverse(revs)
	if len(revs) > 0 {
		if _, err := s.statesAt(c, a, revs[len(revs)-1].Number); err != nil {
			return nil, err
		}
	}
	return revs, nil
}

func (s *Server) showHistory(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	before, err := queryRevisionBefore(c)
	if err != nil {
		return err
	}
	entries, older, err := s.historyPageOf(c.Request().Context(), a, before)
	if err != nil {
		return err
	}
	v := templates.HistoryView{AssessmentView: s.assessmentView(acc, a, def), Entries: entries, Older: older,
		CanRestore: acc.can(actEdit) && a.Status.Editable()}
	n := a.Revision
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
	states, err := s.statesAt(c, a, v.From, v.To)
	if err != nil {
		return err
	}
	v.Comparison = assessments.Compare(def, states[v.From], states[v.To])
	return s.render(c, http.StatusOK, templates.History(s.page(c, "History · "+def.Title, "projects"), v))
}

// restore appends a new revision whose content is that of an old one (workflow.Restore).
func (s *Server) restore(c echo.Context, a *assessments.Assessment, _ *questionnaire.Definition, base, number int) (*assessments.Assessment, error) {
	return s.wf.Restore(c.Request().Context(), s.actor(c), a.ID, base, number)
}

func (s *Server) restoreForm(c echo.Context) error {
	_, a, def, err := s.editableAssessment(c)
	if err != nil {
		return err
	}
	base, err := formRevision(c.FormValue("revision"))
	if err != nil {
		return err
	}
	number, err := strconv.Atoi(c.FormValue("restore"))
	if err != nil {
		return workflow.Invalid("restore", "Choose the revision to restore.")
	}
	saved, err := s.restore(c, a, def, base, number)
	if err != nil {
		return err
	}
	s.flash(c, "Restored the content of revision "+strconv.Itoa(number)+" as revision "+strconv.Itoa(saved.Revision)+".")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/history")
}
