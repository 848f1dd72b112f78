package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

// The risk register in the API: adapters over the workflow's register operations. Every change
// names the revision it is based on with If-Match and goes through the same revisions as
// answers: a stale revision gets 409 with the current one.

type apiFinding struct {
	*assessments.Finding
	InherentLevel string `json:"inherent_level"`
	ResidualLevel string `json:"residual_level"`
	// ResidualProjected: the residual level is below the inherent one but rests only on planned
	// or in-progress mitigations; EffectiveLevel is then the inherent level, the one that counts.
	ResidualProjected bool   `json:"residual_projected"`
	EffectiveLevel    string `json:"effective_level"`
	Live              bool   `json:"live"`
}

func toAPIFinding(st assessments.State, f *assessments.Finding) apiFinding {
	e := assessments.EffectiveResidual(st, f)
	return apiFinding{Finding: f, InherentLevel: f.InherentLevel().Name(), ResidualLevel: f.ResidualLevel().Name(),
		ResidualProjected: e.Projected, EffectiveLevel: e.Level.Name(), Live: f.Live()}
}

func (s *Server) apiFindings(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	filter := assessments.FindingFilter{Status: c.QueryParam("status"), Category: c.QueryParam("category"), Level: c.QueryParam("level")}
	a, list, err := s.wf.FilterFindings(c.Request().Context(), s.actor(c), id, filter)
	if err != nil {
		return err
	}
	out := []apiFinding{}
	for _, f := range list {
		out = append(out, toAPIFinding(a.State, f))
	}
	mitigations := []*assessments.Mitigation{}
	for _, m := range a.State.Mitigations {
		mitigations = append(mitigations, m)
	}
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(a.Revision)))
	return c.JSON(http.StatusOK, map[string]any{"revision": a.Revision, "findings": out, "mitigations": mitigations,
		"blockers": len(assessments.Blockers(a.State)), "projected": len(assessments.Projected(a.State))})
}

// apiRegisterChange reads what every register change needs before its body: the assessment in
// the URL, which the caller must be able to see (so that outsiders get 404 whatever they send),
// the JSON body into in and the If-Match revision.
func (s *Server) apiRegisterChange(c echo.Context, in any) (id int64, base int, err error) {
	if _, _, _, err := s.assessmentAccess(c, actView); err != nil {
		return 0, 0, err
	}
	if id, err = paramID(c, "assessment"); err != nil {
		return 0, 0, err
	}
	if in != nil {
		if err := decodeJSON(c, in); err != nil {
			return 0, 0, err
		}
	}
	base, err = ifMatch(c, true)
	return id, base, err
}

// apiRegisterResult answers a register change: the new revision and the changed finding or
// mitigation, or 409 with the current revision after a stale If-Match. Other errors go to
// handleError (422 naming the field, 404, 403, 409 for a frozen assessment).
func (s *Server) apiRegisterResult(c echo.Context, status int, saved *assessments.Assessment, result func() any, err error) error {
	var conflict *workflow.ConflictError
	if errors.As(err, &conflict) {
		return c.JSON(http.StatusConflict, map[string]any{"error": conflict.What, "current_revision": conflict.Current})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(saved.Revision)))
	return c.JSON(status, map[string]any{"revision": saved.Revision, "result": result()})
}

func (s *Server) apiAddFinding(c echo.Context) error {
	var in struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Category    string `json:"category"`
		Likelihood  int    `json:"likelihood"`
		Severity    int    `json:"severity"`
	}
	id, base, err := s.apiRegisterChange(c, &in)
	if err != nil {
		return err
	}
	saved, f, err := s.wf.AddFinding(c.Request().Context(), s.actor(c), id, base, workflow.FindingInput{Title: in.Title,
		Description: in.Description, Category: in.Category, Likelihood: in.Likelihood, Severity: in.Severity})
	return s.apiRegisterResult(c, http.StatusCreated, saved, func() any { return toAPIFinding(saved.State, f) }, err)
}

type apiResidual struct {
	Likelihood int `json:"likelihood"`
	Severity   int `json:"severity"`
}

func (s *Server) apiUpdateFinding(c echo.Context) error {
	var in struct {
		Title       *string                    `json:"title"`
		Description *string                    `json:"description"`
		Category    *string                    `json:"category"`
		Likelihood  *int                       `json:"likelihood"`
		Severity    *int                       `json:"severity"`
		Residual    *apiResidual               `json:"residual"`
		Status      *assessments.FindingStatus `json:"status"`
	}
	id, base, err := s.apiRegisterChange(c, &in)
	if err != nil {
		return err
	}
	change := workflow.FindingChange{Finding: c.Param("finding"), Title: in.Title, Description: in.Description, Category: in.Category,
		Likelihood: in.Likelihood, Severity: in.Severity, Status: in.Status}
	if in.Residual != nil {
		change.Residual = &workflow.ResidualInput{Likelihood: in.Residual.Likelihood, Severity: in.Residual.Severity}
	}
	saved, f, err := s.wf.UpdateFinding(c.Request().Context(), s.actor(c), id, base, change)
	return s.apiRegisterResult(c, http.StatusOK, saved, func() any { return toAPIFinding(saved.State, f) }, err)
}

func (s *Server) apiAccept(c echo.Context) error {
	var in struct {
		Justification string `json:"justification"`
		Expires       string `json:"expires"`
	}
	id, base, err := s.apiRegisterChange(c, &in)
	if err != nil {
		return err
	}
	saved, f, err := s.wf.AcceptRisk(c.Request().Context(), s.actor(c), id, base,
		workflow.AcceptanceInput{Finding: c.Param("finding"), Justification: in.Justification, Expires: in.Expires})
	return s.apiRegisterResult(c, http.StatusOK, saved, func() any { return toAPIFinding(saved.State, f) }, err)
}

func (s *Server) apiWithdraw(c echo.Context) error {
	id, base, err := s.apiRegisterChange(c, nil)
	if err != nil {
		return err
	}
	saved, f, err := s.wf.WithdrawAcceptance(c.Request().Context(), s.actor(c), id, base, c.Param("finding"))
	return s.apiRegisterResult(c, http.StatusOK, saved, func() any { return toAPIFinding(saved.State, f) }, err)
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

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *Server) apiLinkMitigation(c echo.Context) error {
	var in apiMitigationInput
	id, base, err := s.apiRegisterChange(c, &in)
	if err != nil {
		return err
	}
	link := workflow.MitigationLink{Finding: c.Param("finding"), Existing: deref(in.Mitigation), Catalogue: deref(in.Catalogue),
		Title: in.Title, Owner: in.Owner, Due: in.Due, Status: in.Status, Evidence: in.Evidence}
	saved, m, err := s.wf.LinkMitigation(c.Request().Context(), s.actor(c), id, base, link)
	return s.apiRegisterResult(c, http.StatusCreated, saved, func() any { return m }, err)
}

func (s *Server) apiUnlinkMitigation(c echo.Context) error {
	id, base, err := s.apiRegisterChange(c, nil)
	if err != nil {
		return err
	}
	saved, f, err := s.wf.UnlinkMitigation(c.Request().Context(), s.actor(c), id, base, c.Param("finding"), c.Param("mitigation"))
	return s.apiRegisterResult(c, http.StatusOK, saved, func() any { return toAPIFinding(saved.State, f) }, err)
}

// apiUpdateMitigation changes a mitigation: as a new revision while the assessment is edited,
// as a tracking record once it is approved (the approved content and its hash stay).
func (s *Server) apiUpdateMitigation(c echo.Context) error {
	_, a, _, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	if a.Status == assessments.Approved {
		return s.apiTrackMitigation(c, a)
	}
	var in apiMitigationInput
	id, base, err := s.apiRegisterChange(c, &in)
	if err != nil {
		return err
	}
	if in.Mitigation != nil || in.Catalogue != nil {
		return workflow.Invalid("catalogue", "a mitigation's catalogue entry cannot change; link another mitigation instead")
	}
	change := workflow.MitigationChange{Mitigation: c.Param("mitigation"), Title: in.Title, Owner: in.Owner, Due: in.Due, Status: in.Status, Evidence: in.Evidence}
	saved, m, err := s.wf.UpdateMitigation(c.Request().Context(), s.actor(c), id, base, change)
	return s.apiRegisterResult(c, http.StatusOK, saved, func() any { return m }, err)
}

func (s *Server) apiCatalogue(c echo.Context) error {
	cat, err := s.wf.Catalogue()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"mitigations": cat.All()})
}

// apiTrackMitigation records, on an approved assessment, that a mitigation moved on (status,
// owner, due date, evidence) without changing the approved content or its hash.
func (s *Server) apiTrackMitigation(c echo.Context, a *assessments.Assessment) error {
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

// apiEditable loads the assessment for a change by an owner or assessor through the API. Only
// restore (api_review.go) still uses it, until restoring moves into the workflow layer.
func (s *Server) apiEditable(c echo.Context) (*access, *assessments.Assessment, *questionnaire.Definition, error) {
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
