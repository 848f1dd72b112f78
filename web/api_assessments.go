package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

type apiQuestionnaireSummary struct {
	Key      string `json:"key"`
	Title    string `json:"title"`
	Version  int    `json:"version"` // the newest
	Versions []int  `json:"versions"`
}

func (s *Server) apiQuestionnaires(c echo.Context) error {
	all, err := s.questionnaires.all(c.Request().Context())
	if err != nil {
		return err
	}
	var out []apiQuestionnaireSummary
	for _, d := range all {
		if n := len(out); n > 0 && out[n-1].Key == d.Key {
			out[n-1].Version, out[n-1].Title = d.Version, d.Title
			out[n-1].Versions = append(out[n-1].Versions, d.Version)
			continue
		}
		out = append(out, apiQuestionnaireSummary{Key: d.Key, Title: d.Title, Version: d.Version, Versions: []int{d.Version}})
	}
	if out == nil {
		out = []apiQuestionnaireSummary{}
	}
	return c.JSON(http.StatusOK, map[string]any{"questionnaires": out})
}

// apiQuestionnaire returns a whole definition, conditions and rules included, as structured data.
func (s *Server) apiQuestionnaire(c echo.Context) error {
	ctx := c.Request().Context()
	key := c.Param("key")
	if v := c.QueryParam("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return apiErr(http.StatusBadRequest, "version must be a positive whole number", "version")
		}
		d, err := s.questionnaires.get(ctx, key, n)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, d)
	}
	latest, err := s.questionnaires.latest(ctx)
	if err != nil {
		return err
	}
	for _, d := range latest {
		if d.Key == key {
			return c.JSON(http.StatusOK, d)
		}
	}
	return errNotFound
}

// apiImportQuestionnaire takes a YAML definition as the request body (admins only).
func (s *Server) apiImportQuestionnaire(c echo.Context) error {
	if !authFrom(c).user.IsAdmin {
		return errForbidden
	}
	data, err := io.ReadAll(c.Request().Body)
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) || len(data) > questionnaire.MaxFileSize {
		return errTooLarge
	}
	if err != nil {
		return err
	}
	d, probs, err := s.importQuestionnaire(c, "upload.yaml", data)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		list := make([]map[string]any, len(probs))
		for i, p := range probs {
			list[i] = map[string]any{"line": p.Line, "message": p.Msg}
		}
		return c.JSON(http.StatusUnprocessableEntity, map[string]any{
			"error": fmt.Sprintf("the definition has %d problems", len(probs)), "problems": list})
	}
	return c.JSON(http.StatusCreated, apiQuestionnaireSummary{Key: d.Key, Title: d.Title, Version: d.Version, Versions: []int{d.Version}})
}

type apiRisk struct {
	Rule        string         `json:"rule"`
	Title       string         `json:"title"`
	Category    string         `json:"category"`
	Likelihood  int            `json:"likelihood"`
	Severity    int            `json:"severity"`
	Mitigations []string       `json:"mitigations"`
	Inputs      map[string]any `json:"inputs"`
}

type apiAssessment struct {
	ID            int64                  `json:"id"`
	ProjectID     int64                  `json:"project_id"`
	Cycle         int                    `json:"cycle"`
	Questionnaire apiQuestionnaireRef    `json:"questionnaire"`
	Status        assessments.Status     `json:"status"`
	Revision      int                    `json:"revision"`
	StateHash     string                 `json:"state_hash"`
	Answers       map[string]any         `json:"answers"`
	Progress      questionnaire.Progress `json:"progress"`
	Risks         []apiRisk              `json:"risks"`
	CreatedAt     time.Time              `json:"created_at"`
	UpdatedAt     time.Time              `json:"updated_at"`
	ApprovedAt    *time.Time             `json:"approved_at,omitempty"`
	// NextReviewAt is when an approved assessment is due for re-assessment (YYYY-MM-DD).
	NextReviewAt string `json:"next_review_at,omitempty"`
	// ReassessmentRequired says why the project changed since approval, if it did.
	ReassessmentRequired string `json:"reassessment_required,omitempty"`
}

type apiQuestionnaireRef struct {
	Key     string `json:"key"`
	Version int    `json:"version"`
}

func toAPIAssessment(a *assessments.Assessment, def *questionnaire.Definition) apiAssessment {
	answers := questionnaire.Answers(a.Answers())
	out := apiAssessment{ID: a.ID, ProjectID: a.ProjectID, Cycle: a.Cycle, Questionnaire: apiQuestionnaireRef{a.QuestionnaireKey, a.QuestionnaireVersion},
		Status: a.Status, Revision: a.Revision, StateHash: a.StateHash, Answers: a.Answers(), Progress: def.Progress(answers),
		Risks: []apiRisk{}, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		ApprovedAt: a.ApprovedAt, NextReviewAt: a.NextReviewAt, ReassessmentRequired: a.ReassessmentReason}
	for _, r := range def.Evaluate(answers) {
		out.Risks = append(out.Risks, apiRisk{Rule: r.Rule.Key, Title: r.Rule.Title, Category: r.Rule.Category,
			Likelihood: r.Rule.Likelihood, Severity: r.Rule.Severity, Mitigations: r.Rule.Mitigations, Inputs: r.Inputs})
	}
	return out
}

func (s *Server) apiAssessmentResponse(c echo.Context, status int, a *assessments.Assessment, def *questionnaire.Definition) error {
	c.Response().Header().Set("ETag", strconv.Quote(strconv.Itoa(a.Revision)))
	return c.JSON(status, toAPIAssessment(a, def))
}

func (s *Server) apiCreateAssessment(c echo.Context) error {
	acc, err := s.projectAccess(c, actEdit)
	if err != nil {
		return err
	}
	var in struct {
		Questionnaire string `json:"questionnaire"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Questionnaire == "" {
		return apiErr(http.StatusUnprocessableEntity, "questionnaire is required, e.g. \"llm-finetuning\"", "questionnaire")
	}
	a, err := s.createAssessment(c, acc, in.Questionnaire)
	if err != nil {
		return err
	}
	def, err := s.questionnaires.get(c.Request().Context(), a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/assessments/"+strconv.FormatInt(a.ID, 10))
	return s.apiAssessmentResponse(c, http.StatusCreated, a, def)
}

func (s *Server) apiProjectAssessments(c echo.Context) error {
	acc, err := s.projectAccess(c, actView)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := s.store.Assessments(ctx, acc.project.ID)
	if err != nil {
		return err
	}
	out := []apiAssessment{}
	for _, a := range list {
		def, err := s.questionnaires.get(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
		if err != nil {
			return err
		}
		out = append(out, toAPIAssessment(a, def))
	}
	return c.JSON(http.StatusOK, map[string]any{"assessments": out})
}

func (s *Server) apiAssessment(c echo.Context) error {
	_, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	return s.apiAssessmentResponse(c, http.StatusOK, a, def)
}

// apiPatchAnswers changes answers. If-Match must name the revision the client read: a stale one
// gets 409 with the current revision, so no one overwrites a change they have not seen.
func (s *Server) apiPatchAnswers(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	if !acc.can(actEdit) {
		return errForbidden
	}
	match := strings.Trim(c.Request().Header.Get("If-Match"), `" `)
	if match == "" {
		return apiErr(http.StatusPreconditionRequired, "send If-Match with the revision you read (the assessment's \"revision\" or ETag)", "")
	}
	base, err := strconv.Atoi(match)
	if err != nil {
		return apiErr(http.StatusBadRequest, "If-Match must be a revision number", "")
	}
	var in struct {
		Answers map[string]any `json:"answers"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Answers == nil {
		return apiErr(http.StatusUnprocessableEntity, "answers is required: an object of question keys and values", "answers")
	}
	if err := workflow.Editable(a); err != nil {
		return err
	}
	proposed := map[string]any{}
	keys := make([]string, 0, len(in.Answers))
	for k := range in.Answers {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the first bad key in a stable order
	for _, k := range keys {
		q, ok := def.Question(k)
		if !ok {
			return apiErr(http.StatusUnprocessableEntity, fmt.Sprintf("answers.%s: no such question in %s version %d", k, def.Key, def.Version), "answers."+k)
		}
		v, err := q.FromJSON(in.Answers[k])
		if err != nil {
			return apiErr(http.StatusUnprocessableEntity, fmt.Sprintf("answers.%s: %v", k, err), "answers."+k)
		}
		proposed[k] = v
	}
	saved, err := s.commit(c, a, def, base, a.State.Apply(assessments.Change{Answers: proposed}), "")
	if errors.Is(err, store.ErrConflict) {
		current, err := s.store.Assessment(c.Request().Context(), a.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusConflict, map[string]any{
			"error":            fmt.Sprintf("the assessment changed since revision %d; fetch it, merge, and retry with If-Match: %d", base, current.Revision),
			"current_revision": current.Revision})
	}
	if err != nil {
		return err
	}
	return s.apiAssessmentResponse(c, http.StatusOK, saved, def)
}
