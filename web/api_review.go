package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// apiReview runs a review step from the API: the body may carry a note or comment; If-Match
// names the revision the decision is made on.
func (s *Server) apiReview(kind assessments.ReviewKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		base, err := ifMatch(c, true)
		if err != nil {
			return err
		}
		var in struct {
			Note    string `json:"note"`
			Comment string `json:"comment"`
		}
		if c.Request().ContentLength != 0 {
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
		}
		text := in.Comment
		if kind == assessments.ReviewSubmit {
			text = in.Note
		}
		saved, err := s.reviewStep(c, kind, base, text)
		if err != nil {
			return err
		}
		def, err := s.questionnaires.get(c.Request().Context(), saved.QuestionnaireKey, saved.QuestionnaireVersion)
		if err != nil {
			return err
		}
		return s.apiAssessmentResponse(c, http.StatusOK, saved, def)
	}
}

func (s *Server) apiReassess(c echo.Context) error {
	next, err := s.reassess(c)
	if err != nil {
		return err
	}
	def, err := s.questionnaires.get(c.Request().Context(), next.QuestionnaireKey, next.QuestionnaireVersion)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/assessments/"+strconv.FormatInt(next.ID, 10))
	return s.apiAssessmentResponse(c, http.StatusCreated, next, def)
}

// apiConsultation gives the privacy officer's opinion and records the consultation of the
// people affected, as a reviewer, on the revision If-Match names.
func (s *Server) apiConsultation(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	base, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	var in consultationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	saved, err := s.wf.GiveOpinion(c.Request().Context(), s.actor(c), id, base, in.consultation())
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(saved.Revision)))
	return c.JSON(http.StatusOK, map[string]any{"assessment": saved.ID, "revision": saved.Revision, "state_hash": saved.StateHash,
		"consultation": saved.State.Consultation})
}

type apiRevision struct {
	Number    int                `json:"number"`
	Parent    int                `json:"parent,omitempty"`
	Author    string             `json:"author"`
	CreatedAt time.Time          `json:"created_at"`
	Summary   string             `json:"summary"`
	Status    assessments.Status `json:"status,omitempty"` // set when the revision changed the status
	StateHash string             `json:"state_hash"`
}

// maxRevisionPage is the most revisions one API page lists.
const maxRevisionPage = 200

func (s *Server) apiRevisions(c echo.Context) error {
	_, a, _, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	// A page of revisions, oldest first, below ?before (default: the latest ones); next_before
	// asks for the page before it.
	before, err := queryRevisionBefore(c)
	if err != nil {
		return err
	}
	limit, err := strconv.Atoi(c.QueryParam("limit"))
	if err != nil || limit < 1 || limit > maxRevisionPage {
		limit = maxRevisionPage
	}
	revs, err := s.revisionPage(c, a, before, limit)
	if err != nil {
		return err
	}
	out := make([]apiRevision, len(revs))
	for i, r := range revs {
		out[i] = apiRevision{Number: r.Number, Parent: r.Parent, Author: r.AuthorEmail, CreatedAt: r.CreatedAt, Summary: r.Summary,
			Status: r.Change.Status, StateHash: r.StateHash}
	}
	body := map[string]any{"revisions": out}
	if len(revs) > 0 && revs[0].Number > 1 {
		body["next_before"] = revs[0].Number
	}
	return c.JSON(http.StatusOK, body)
}

func (s *Server) apiRevision(c echo.Context) error {
	_, a, _, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("number"))
	if err != nil || n < 1 || n > a.Revision {
		return errNotFound
	}
	r, err := s.store.Revision(c.Request().Context(), a.ID, n)
	if err != nil {
		return err
	}
	states, err := s.statesAt(c, a, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"revision": apiRevision{Number: r.Number, Parent: r.Parent, Author: r.AuthorEmail, CreatedAt: r.CreatedAt, Summary: r.Summary,
			Status: r.Change.Status, StateHash: r.StateHash},
		"change": r.Change,
		"state":  states[n],
	})
}

func (s *Server) apiDiff(c echo.Context) error {
	_, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	from, err1 := strconv.Atoi(c.QueryParam("from"))
	to, err2 := strconv.Atoi(c.QueryParam("to"))
	switch n := a.Revision; {
	case err1 != nil || from < 1 || from > n:
		return apiErr(http.StatusUnprocessableEntity, "from must be a revision between 1 and "+strconv.Itoa(n), "from")
	case err2 != nil || to < 1 || to > n:
		return apiErr(http.StatusUnprocessableEntity, "to must be a revision between 1 and "+strconv.Itoa(n), "to")
	}
	states, err := s.statesAt(c, a, from, to)
	if err != nil {
		return err
	}
	cmp := assessments.Compare(def, states[from], states[to])
	type answer struct {
		Question string                 `json:"question"`
		Label    string                 `json:"label"`
		Old      any                    `json:"old"`
		New      any                    `json:"new"`
		Lines    []assessments.LineDiff `json:"lines,omitempty"`
	}
	answers := []answer{}
	for _, d := range cmp.Answers {
		answers = append(answers, answer{d.Key, d.Label, d.Old, d.New, d.Lines})
	}
	findings := []map[string]any{}
	for _, f := range cmp.Findings {
		findings = append(findings, map[string]any{"id": f.ID, "title": f.Title, "kind": f.Kind,
			"old_level": f.OldLevel.Name(), "new_level": f.NewLevel.Name(), "old_status": f.OldStatus, "new_status": f.NewStatus})
	}
	mitigations := []map[string]any{}
	for _, m := range cmp.Mitigations {
		mitigations = append(mitigations, map[string]any{"id": m.ID, "title": m.Title, "kind": m.Kind, "old_status": m.OldStatus, "new_status": m.NewStatus})
	}
	evidence := []map[string]any{}
	for _, e := range cmp.Evidence {
		evidence = append(evidence, map[string]any{"id": e.ID, "kind": e.Kind, "change": e.Change, "old": e.Old, "new": e.New})
	}
	return c.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "status_from": cmp.StatusFrom, "status_to": cmp.StatusTo,
		"answers": answers, "findings": findings, "mitigations": mitigations, "evidence": evidence, "other": cmp.OtherChanged})
}

func (s *Server) apiRestore(c echo.Context) error {
	_, a, def, err := s.apiEditable(c)
	if err != nil {
		return err
	}
	base, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	var in struct {
		Revision int `json:"revision"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	saved, err := s.restore(c, a, def, base, in.Revision)
	if err != nil {
		if err == store.ErrConflict {
			return c.JSON(http.StatusConflict, map[string]any{"error": "the assessment changed since revision " + strconv.Itoa(base), "current_revision": a.Revision})
		}
		return err
	}
	return s.apiAssessmentResponse(c, http.StatusOK, saved, def)
}
