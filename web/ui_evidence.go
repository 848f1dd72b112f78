package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/dp"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/templates"
)

// dpBodyLimit bounds the body of the DP calculator's API calls.
const dpBodyLimit = 16 << 10

// dpCurvePoints is how many points the tool's chart computes: the RDP curve costs one
// evaluation whatever the count; PLD runs at the quarters only (workflow.DPCurve).
const dpCurvePoints = 12

var dpFormFields = []string{"n", "batch", "q", "sigma", "epochs", "steps", "delta", "sampling", "target_epsilon"}

// dpFormName maps dp.Params' JSON names to the tool's form fields.
func dpFormName(field string) string {
	switch field {
	case "batch_size":
		return "batch"
	case "n", "q", "sigma", "epochs", "steps", "delta", "sampling", "target_epsilon":
		return field
	}
	return "_"
}

// dpParamsFromForm reads the run's parameters as typed; an empty field is "not given".
func dpParamsFromForm(f templates.Form) (dp.Params, float64) {
	whole := func(name string) int {
		s := f.Get(name)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			f.Fail(name, "Enter a whole number, e.g. 60000.")
		}
		return n
	}
	real := func(name string) float64 {
		s := f.Get(name)
		if s == "" {
			return 0
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 {
			f.Fail(name, "Enter a positive number, e.g. 1.1 or 1e-5.")
		}
		return v
	}
	p := dp.Params{N: whole("n"), BatchSize: whole("batch"), Q: real("q"), Sigma: real("sigma"), Epochs: real("epochs"),
		Steps: whole("steps"), Delta: real("delta"), Sampling: f.Get("sampling")}
	if p.Sampling == "" {
		p.Sampling = dp.Poisson
	}
	return p, real("target_epsilon")
}

// dpTool is the DP budget tool. A GET with parameters computes; ?assessment=ID offers to attach
// the result to that assessment when the user may edit it (a non-member gets 404).
func (s *Server) dpTool(c echo.Context) error {
	ctx := c.Request().Context()
	f := formFrom(c, dpFormFields...)
	v := templates.DPToolView{Form: f}
	if raw := c.QueryParam("assessment"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return errNotFound
		}
		a, err := s.store.Assessment(ctx, id)
		if err != nil {
			return err
		}
		acc, err := s.wf.Access(ctx, s.actor(c), a.ProjectID, workflow.ActView)
		if err != nil {
			return err
		}
		v.Assessment, v.Project = a, acc.Project
		switch {
		case !acc.Can(workflow.ActEdit):
			v.AttachNote = "Your role in this project does not allow adding evidence."
		case !a.Status.Editable():
			v.AttachNote = "This assessment is " + a.Status.Label() + ": evidence can be attached while it is a draft or changes are requested."
		default:
			v.CanAttach = true
		}
	}
	policy, err := s.wf.Policy(ctx)
	if err != nil {
		return err
	}
	v.Limit = policy.MaxEpsilon
	if f.Get("sigma") == "" && f.Get("delta") == "" {
		// First visit: an example run to start from (the MNIST tutorial of TensorFlow Privacy).
		for name, val := range map[string]string{"n": "60000", "batch": "256", "sigma": "1.1", "epochs": "60", "delta": "1e-5", "sampling": dp.Poisson} {
			if f.Get(name) == "" {
				f.Set(name, val)
			}
		}
		v.CanAttach = false
		return s.render(c, http.StatusOK, templates.DPTool(s.page(c, "DP budget tool", "dp"), v))
	}
	status := s.computeDP(&v)
	if !v.Computed {
		v.CanAttach = false
	}
	return s.render(c, status, templates.DPTool(s.page(c, "DP budget tool", "dp"), v))
}

// computeDP fills the tool's results from its form, or the form's errors; it returns the status.
func (s *Server) computeDP(v *templates.DPToolView) int {
	f := v.Form
	p, target := dpParamsFromForm(f)
	if !f.Valid() {
		return http.StatusUnprocessableEntity
	}
	r, err := workflow.ComputeDP(p)
	if formErrors(f, err, dpFormName) {
		return http.StatusUnprocessableEntity
	}
	v.Result, v.Computed = r, true
	if pts, err := workflow.DPCurve(r, dpCurvePoints); err == nil {
		v.Curve = pts
	}
	if target > 0 {
		sp := p
		sp.Accountant = dp.AccountantRDP
		out, err := workflow.SigmaFor(sp, target, workflow.MaxWebSigmaPLDSteps)
		if formErrors(f, err, dpFormName) {
			return http.StatusUnprocessableEntity
		}
		v.Sigma = &templates.DPSigmaAnswer{Sigma: out.Sigma, Epsilon: out.Epsilon, Target: target}
	}
	return http.StatusOK
}

// attachDPEvidence computes the DP budget from the posted parameters and attaches it to the
// assessment; a refused input re-renders the tool with the errors beside the fields.
func (s *Server) attachDPEvidence(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := formFrom(c, dpFormFields...)
	p, _ := dpParamsFromForm(f)
	if f.Valid() {
		var params []byte
		if params, err = json.Marshal(p); err != nil {
			return err
		}
		var e *assessments.Evidence
		e, err = s.wf.ComputeEvidence(ctx, s.actor(c), id, workflow.EvidenceRequest{Kind: figures.DP, Params: params})
		if err == nil {
			return s.evidenceAttached(c, id, e)
		}
		var invalid *workflow.ValidationError
		if errors.As(err, &invalid) {
			renamed := workflow.Problems{}
			for field, msg := range invalid.Fields {
				if len(field) > len("params.") && field[:len("params.")] == "params." {
					field = field[len("params."):]
				}
				renamed.Add(field, msg)
			}
			err = renamed.Err()
		}
	}
	a, aerr := s.store.Assessment(ctx, id)
	if aerr != nil {
		return aerr
	}
	acc, aerr := s.wf.Access(ctx, s.actor(c), a.ProjectID, workflow.ActEdit)
	if aerr != nil {
		return aerr
	}
	if !f.Valid() || formErrors(f, err, dpFormName) {
		policy, perr := s.wf.Policy(ctx)
		if perr != nil {
			return perr
		}
		v := templates.DPToolView{Form: f, Assessment: a, Project: acc.Project, CanAttach: true, Limit: policy.MaxEpsilon}
		return s.render(c, http.StatusUnprocessableEntity, templates.DPTool(s.page(c, "DP budget tool", "dp"), v))
	}
	return err
}

// evidenceAttached tells what was attached and goes to the section the record supports first.
func (s *Server) evidenceAttached(c echo.Context, assessmentID int64, e *assessments.Evidence) error {
	msg := fmt.Sprintf("Evidence %s attached: %s", e.ID, figures.KindLabel(e.Kind))
	if eps, ok := e.Figures["epsilon"]; ok && e.Kind == figures.DP {
		msg += ", ε = " + figures.Number(eps)
	}
	s.flash(c, msg+".")
	a, err := s.store.Assessment(c.Request().Context(), assessmentID)
	if err != nil {
		return err
	}
	def, err := s.wf.Definition(c.Request().Context(), a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return err
	}
	if secs := e.Sections(def); len(secs) > 0 {
		return c.Redirect(http.StatusSeeOther, assessmentPath(assessmentID)+"/sections/"+secs[0])
	}
	return c.Redirect(http.StatusSeeOther, assessmentPath(assessmentID))
}

// showEvidence is the page of one record; any member may read it.
func (s *Server) showEvidence(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, e, err := s.wf.Evidence(ctx, s.actor(c), id, c.Param("evidence"))
	if err != nil {
		return err
	}
	acc, err := s.wf.Access(ctx, s.actor(c), a.ProjectID, workflow.ActView)
	if err != nil {
		return err
	}
	def, err := s.wf.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return err
	}
	v := templates.EvidenceView{Project: acc.Project, Assessment: a, Evidence: e, CanRemove: acc.Can(workflow.ActEdit) && a.Status.Editable()}
	for _, k := range e.Sections(def) {
		if sec, ok := def.Section(k); ok {
			v.Sections = append(v.Sections, templates.SectionLink{Key: k, Title: sec.Title})
		}
	}
	return s.render(c, http.StatusOK, templates.EvidencePage(s.page(c, e.ID+" · evidence", "projects"), v))
}

func (s *Server) removeEvidence(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	evidenceID := c.Param("evidence")
	if err := s.wf.RemoveEvidence(c.Request().Context(), s.actor(c), id, evidenceID); err != nil {
		return err
	}
	s.flash(c, "Evidence "+evidenceID+" removed.")
	return c.Redirect(http.StatusSeeOther, assessmentPath(id))
}

// evidencePolicyForm fills the settings form with the policy's limits.
func evidencePolicyForm(f templates.Form, p assessments.Policy) {
	for name, v := range p.Limits() {
		f.Set(name, strconv.FormatFloat(v, 'g', -1, 64))
	}
}

func (s *Server) adminSaveEvidencePolicy(c echo.Context) error {
	f := formFrom(c, figures.LimitNames()...)
	var p assessments.Policy
	raw := map[string]float64{}
	for _, name := range figures.LimitNames() {
		v, err := strconv.ParseFloat(f.Get(name), 64)
		if err != nil {
			f.Fail(name, "Enter a number, e.g. 8.")
		}
		raw[name] = v
	}
	if f.Valid() {
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		err := s.wf.SetPolicy(c.Request().Context(), s.actor(c), p)
		if !formErrors(f, err, nil) && err != nil {
			return err
		}
	}
	if !f.Valid() {
		return s.renderSettings(c, http.StatusUnprocessableEntity, func(v *templates.SettingsView) { v.Evidence = f })
	}
	s.flash(c, "Evidence policy saved. Open assessments follow it now.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings#evidence-policy")
}
