package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

// The risk register in the API. Every change names the revision it is based on with If-Match
// and goes through the same revisions as answers: a stale revision gets 409.

type apiFinding struct {
	*assessments.Finding
	InherentLevel string `json:"inherent_level"`
	ResidualLevel string `json:"residual_level"`
	Live          bool   `json:"live"`
}

func toAPIFinding(f *assessments.Finding) apiFinding {
	return apiFinding{Finding: f, InherentLevel: f.InherentLevel().Name(), ResidualLevel: f.ResidualLevel().Name(), Live: f.Live()}
}

func (s *Server) apiFindings(c echo.Context) error {
	_, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	filter := assessments.FindingFilter{Status: c.QueryParam("status"), Category: c.QueryParam("category"), Level: c.QueryParam("level")}
	out := []apiFinding{}
	for _, f := range assessments.SortedFindings(def, a.State) {
		if filter.Matches(f) {
			out = append(out, toAPIFinding(f))
		}
	}
	mitigations := []*assessments.Mitigation{}
	for _, m := range a.State.Mitigations {
		mitigations = append(mitigations, m)
	}
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(a.Revision)))
	return c.JSON(http.StatusOK, map[string]any{"revision": a.Revision, "findings": out, "mitigations": mitigations,
		"blockers": len(assessments.Blockers(a.State))})
}

// apiChange runs a register operation at the If-Match revision and answers with the changed
// finding (or mitigation), 409 on a stale revision, 422 naming the field on invalid input.
func (s *Server) apiChange(c echo.Context, a *store.Assessment, def *questionnaire.Definition, status int, op func(assessments.State) (assessments.State, error), summary string, respond func(assessments.State) any) error {
	base, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	next, err := op(a.State)
	var fe *assessments.FieldError
	switch {
	case errors.As(err, &fe):
		return apiErr(http.StatusUnprocessableEntity, fe.Msg, fe.Field)
	case errors.Is(err, assessments.ErrNoFinding), errors.Is(err, assessments.ErrNoMitigation):
		return errNotFound
	case err != nil:
		return err
	}
	saved, err := s.commit(c, a, def, base, next, summary)
	if errors.Is(err, store.ErrConflict) {
		return c.JSON(http.StatusConflict, map[string]any{
			"error":            fmt.Sprintf("the assessment changed since revision %d; fetch it and retry with If-Match: %d", base, a.Revision),
			"current_revision": a.Revision})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(saved.Revision)))
	return c.JSON(status, map[string]any{"revision": saved.Revision, "result": respond(saved.State)})
}

func (s *Server) apiEditable(c echo.Context) (*access, *store.Assessment, *questionnaire.Definition, error) {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return nil, nil, nil, err
	}
	if !acc.can(actEdit) {
		return nil, nil, nil, errForbidden
	}
	if err := workflow.Editable(a); err != nil {
		return nil, nil, nil, err
	}
	return acc, a, def, nil
}

func (s *Server) apiAddFinding(c echo.Context) error {
	_, a, def, err := s.apiEditable(c)
	if err != nil {
		return err
	}
	var in struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Category    string `json:"category"`
		Likelihood  int    `json:"likelihood"`
		Severity    int    `json:"severity"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var id string
	return s.apiChange(c, a, def, http.StatusCreated, func(st assessments.State) (assessments.State, error) {
		var err error
		st, id, err = assessments.AddFinding(st, assessments.FindingInput{Title: in.Title, Description: in.Description, Category: in.Category,
			Likelihood: assessments.Scale(in.Likelihood), Severity: assessments.Scale(in.Severity)}, sectionKeys(def))
		return st, err
	}, "Added the finding “"+strings.TrimSpace(in.Title)+"”", func(st assessments.State) any { return toAPIFinding(st.Findings[id]) })
}

type apiResidual struct {
	Likelihood int `json:"likelihood"`
	Severity   int `json:"severity"`
}

func (s *Server) apiUpdateFinding(c echo.Context) error {
	_, a, def, err := s.apiEditable(c)
	if err != nil {
		return err
	}
	f, err := findingParam(c, a)
	if err != nil {
		return err
	}
	var in struct {
		Title       *string                    `json:"title"`
		Description *string                    `json:"description"`
		Category    *string                    `json:"category"`
		Likelihood  *int                       `json:"likelihood"`
		Severity    *int                       `json:"severity"`
		Residual    *apiResidual               `json:"residual"`
		Status      *assessments.FindingStatus `json:"status"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u := assessments.FindingUpdate{Title: in.Title, Description: in.Description, Category: in.Category, Status: in.Status}
	if in.Likelihood != nil {
		l := assessments.Scale(*in.Likelihood)
		u.Likelihood = &l
	}
	if in.Severity != nil {
		sv := assessments.Scale(*in.Severity)
		u.Severity = &sv
	}
	if in.Residual != nil {
		u.Residual = &assessments.Residual{Likelihood: assessments.Scale(in.Residual.Likelihood), Severity: assessments.Scale(in.Residual.Severity)}
	}
	return s.apiChange(c, a, def, http.StatusOK, func(st assessments.State) (assessments.State, error) {
		return assessments.UpdateFinding(st, f.ID, u, sectionKeys(def))
	}, "Assessed the finding “"+f.Title+"”", func(st assessments.State) any { return toAPIFinding(st.Findings[f.ID]) })
}

func (s *Server) apiAccept(c echo.Context) error {
	_, a, def, f, err := s.acceptanceTarget(c)
	if err != nil {
		return err
	}
	var in struct {
		Justification string `json:"justification"`
		Expires       string `json:"expires"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	acceptance := s.newAcceptance(c, in.Justification, in.Expires)
	s.auditAcceptance(c, a, f, &acceptance)
	return s.apiChange(c, a, def, http.StatusOK, func(st assessments.State) (assessments.State, error) {
		return assessments.Accept(st, f.ID, acceptance, s.now().UTC())
	}, "Accepted the residual risk of “"+f.Title+"” until "+in.Expires, func(st assessments.State) any {
		return toAPIFinding(st.Findings[f.ID])
	})
}

func (s *Server) apiWithdraw(c echo.Context) error {
	_, a, def, f, err := s.acceptanceTarget(c)
	if err != nil {
		return err
	}
	s.auditAcceptance(c, a, f, nil)
	return s.apiChange(c, a, def, http.StatusOK, func(st assessments.State) (assessments.State, error) {
		return assessments.Withdraw(st, f.ID)
	}, "Withdrew the acceptance of “"+f.Title+"”", func(st assessments.State) any {
		return toAPIFinding(st.Findings[f.ID])
	})
}

type apiMitigationInput struct {
	Mitigation *string                       `json:"mitigation"` // link an existing one by id
	Catalogue  *string                       `json:"catalogue"`
	Title      *string                       `json:"title"`
	Owner      *int64                        `json:"owner"`
	Due        *string                       `json:"due"`
	Status     *assessments.MitigationStatus `json:"status"`
	Evidence   *string                       `json:"evidence"`
}

func (s *Server) apiLinkMitigation(c echo.Context) error {
	acc, a, def, err := s.apiEditable(c)
	if err != nil {
		return err
	}
	f, err := findingParam(c, a)
	if err != nil {
		return err
	}
	var in apiMitigationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	members, err := s.store.Members(ctx, acc.project.ID)
	if err != nil {
		return err
	}
	mi := assessments.MitigationInput{Catalogue: in.Catalogue, Title: in.Title, Owner: in.Owner, Due: in.Due, Status: in.Status, Evidence: in.Evidence}
	if in.Catalogue != nil && *in.Catalogue != "" {
		cat, err := s.questionnaires.catalogue(ctx)
		if err != nil {
			return err
		}
		m, ok := cat.Get(*in.Catalogue)
		if !ok {
			return apiErr(http.StatusUnprocessableEntity, fmt.Sprintf("catalogue: no mitigation %q; see /api/v1/mitigations/catalogue", *in.Catalogue), "catalogue")
		}
		if in.Title == nil {
			mi.Title = &m.Title
		}
	}
	var id string
	return s.apiChange(c, a, def, http.StatusCreated, func(st assessments.State) (assessments.State, error) {
		if in.Mitigation != nil {
			id = *in.Mitigation
			return assessments.Link(st, f.ID, id)
		}
		var err error
		st, id, err = assessments.LinkNewMitigation(st, f.ID, mi, workflow.MemberIDs(members))
		return st, err
	}, "Linked a mitigation to “"+f.Title+"”", func(st assessments.State) any { return st.Mitigations[id] })
}

func (s *Server) apiUnlinkMitigation(c echo.Context) error {
	_, a, def, err := s.apiEditable(c)
	if err != nil {
		return err
	}
	f, err := findingParam(c, a)
	if err != nil {
		return err
	}
	return s.apiChange(c, a, def, http.StatusOK, func(st assessments.State) (assessments.State, error) {
		return assessments.Unlink(st, f.ID, c.Param("mitigation"))
	}, "Unlinked a mitigation from “"+f.Title+"”", func(st assessments.State) any { return toAPIFinding(st.Findings[f.ID]) })
}

func (s *Server) apiUpdateMitigation(c echo.Context) error {
	_, a, _, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	if a.Status == assessments.Approved {
		return s.apiTrackMitigation(c, a)
	}
	acc, a, def, err := s.apiEditable(c)
	if err != nil {
		return err
	}
	m, ok := a.State.Mitigations[c.Param("mitigation")]
	if !ok {
		return errNotFound
	}
	var in apiMitigationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Mitigation != nil || in.Catalogue != nil {
		return apiErr(http.StatusUnprocessableEntity, "a mitigation's catalogue entry cannot change; link another mitigation instead", "catalogue")
	}
	members, err := s.store.Members(c.Request().Context(), acc.project.ID)
	if err != nil {
		return err
	}
	mi := assessments.MitigationInput{Title: in.Title, Owner: in.Owner, Due: in.Due, Status: in.Status, Evidence: in.Evidence}
	summary := "Updated the mitigation “" + m.Title + "”"
	if in.Status != nil {
		summary += ": " + in.Status.Label()
	}
	return s.apiChange(c, a, def, http.StatusOK, func(st assessments.State) (assessments.State, error) {
		return assessments.UpdateMitigation(st, m.ID, mi, workflow.MemberIDs(members))
	}, summary, func(st assessments.State) any { return st.Mitigations[m.ID] })
}

func (s *Server) apiCatalogue(c echo.Context) error {
	cat, err := s.questionnaires.catalogue(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"mitigations": cat.All()})
}

// apiTrackMitigation records, on an approved assessment, that a mitigation moved on (status,
// owner, due date, evidence) without changing the approved content or its hash.
func (s *Server) apiTrackMitigation(c echo.Context, a *store.Assessment) error {
	var in apiMitigationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Mitigation != nil || in.Catalogue != nil || in.Title != nil {
		return apiErr(http.StatusUnprocessableEntity, "an approved assessment's mitigations keep their title and catalogue entry; only status, owner, due and evidence are tracked", "title")
	}
	change := assessments.TrackingChange{Mitigation: c.Param("mitigation"), Status: in.Status, Owner: in.Owner, Due: in.Due, Evidence: in.Evidence}
	rec, current, err := s.wf.TrackMitigation(c.Request().Context(), s.actor(c), a.ID, change)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"mitigation": current, "tracking": rec, "state_hash": a.StateHash, "revision": a.Revision})
}
