package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/templates"
)

func (s *Server) riskRegister(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	filter := assessments.FindingFilter{Status: c.QueryParam("status"), Category: c.QueryParam("category"), Level: c.QueryParam("level")}
	return s.renderRegister(c, http.StatusOK, s.registerView(acc, a, def, filter, templates.NewForm()))
}

func (s *Server) registerView(acc *access, a *assessments.Assessment, def *questionnaire.Definition, filter assessments.FindingFilter, form templates.Form) templates.RiskRegisterView {
	v := templates.RiskRegisterView{AssessmentView: s.assessmentView(acc, a, def), Filter: filter, NewForm: form,
		Inherent: templates.NewHeatmap("inherent", "Inherent risk"), Residual: templates.NewHeatmap("residual", "Residual risk"),
		Blockers: assessments.Blockers(a.State)}
	heat := assessments.HeatOf(a.State)
	v.Inherent.Cells, v.Residual.Cells, v.Residual.Projected = heat.Inherent, heat.Residual, heat.Projected
	summary := map[string]*templates.CategorySummary{}
	for _, sec := range def.Sections {
		summary[sec.Key] = &templates.CategorySummary{Key: sec.Key, Title: sec.Title}
	}
	for _, f := range assessments.SortedFindings(def, a.State) {
		v.Total++
		if filter.Matches(f) {
			v.Findings = append(v.Findings, f)
		}
		cs := summary[f.Category]
		if cs == nil || !f.Live() {
			continue
		}
		cs.Live++
		switch f.Status {
		case assessments.FindingOpen:
			cs.Open++
		case assessments.FindingMitigated:
			cs.Mitigated++
		case assessments.FindingAccepted:
			cs.Accept++
		}
		if assessments.EffectiveResidual(a.State, f).Level.High() { // a projected lower level counts at the inherent one
			cs.High++
		}
	}
	for _, sec := range def.Sections {
		v.Categories = append(v.Categories, *summary[sec.Key])
	}
	if form.Get("likelihood") == "" {
		form.Set("likelihood", "2")
		form.Set("severity", "2")
	}
	return v
}

func (s *Server) renderRegister(c echo.Context, status int, v templates.RiskRegisterView) error {
	return s.render(c, status, templates.RiskRegister(s.page(c, "Risk register · "+v.Def.Title, "projects"), v))
}

// formRevision is the revision a form was opened at; a form without one never overwrites
// anything.
func formRevision(c echo.Context) int {
	base, err := strconv.Atoi(c.FormValue("revision"))
	if err != nil {
		return -1
	}
	return base
}

// formScale reads a 1-4 scale field; anything else is 0, which the operation refuses.
func formScale(f templates.Form, name string) int {
	n, err := strconv.Atoi(f.Get(name))
	if err != nil || n < 0 || n > 4 {
		return 0
	}
	return n
}

// failInvalid puts an operation's field messages beside their fields, or at the top of the form
// for a field the form does not have.
func failInvalid(f templates.Form, invalid *workflow.ValidationError) {
	for name, msg := range invalid.Fields {
		if !f.Values.Has(name) {
			switch name {
			case "residual":
				name = "residual_likelihood"
			default:
				name = "_"
			}
		}
		msg = capitalise(msg)
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		if f.Err(name) == "" {
			f.Fail(name, msg)
		}
	}
}

func (s *Server) addFinding(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	f := formFrom(c, "title", "description", "category", "likelihood", "severity")
	in := workflow.FindingInput{Title: f.Get("title"), Description: f.Get("description"), Category: f.Get("category"),
		Likelihood: formScale(f, "likelihood"), Severity: formScale(f, "severity")}
	saved, finding, err := s.wf.AddFinding(c.Request().Context(), s.actor(c), id, formRevision(c), in)
	var invalid *workflow.ValidationError
	var conflict *workflow.ConflictError
	switch {
	case err == nil:
		s.flash(c, "Finding added.")
		return c.Redirect(http.StatusSeeOther, assessmentPath(saved.ID)+"/findings/"+finding.ID)
	case errors.As(err, &invalid):
		failInvalid(f, invalid)
	case errors.As(err, &conflict):
		f.Fail("_", "Someone else changed this assessment in the meantime. Nothing was saved; check the register and add the finding again.")
	default:
		return err
	}
	acc, current, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	return s.renderRegister(c, http.StatusUnprocessableEntity, s.registerView(acc, current, def, assessments.FindingFilter{}, f))
}

// findingParam is the finding in the URL, which must exist in the assessment.
func findingParam(c echo.Context, a *assessments.Assessment) (*assessments.Finding, error) {
	f, ok := a.State.Findings[c.Param("finding")]
	if !ok {
		return nil, errNotFound
	}
	return f, nil
}

func (s *Server) showFinding(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	f, err := findingParam(c, a)
	if err != nil {
		return err
	}
	v, err := s.findingView(c, acc, a, def, f)
	if err != nil {
		return err
	}
	return s.renderFinding(c, http.StatusOK, v)
}

func (s *Server) findingView(c echo.Context, acc *access, a *assessments.Assessment, def *questionnaire.Definition, f *assessments.Finding) (templates.FindingView, error) {
	ctx := c.Request().Context()
	members, err := s.store.Members(ctx, acc.project.ID)
	if err != nil {
		return templates.FindingView{}, err
	}
	cat, err := s.questionnaires.catalogue(ctx)
	if err != nil {
		return templates.FindingView{}, err
	}
	v := templates.FindingView{AssessmentView: s.assessmentView(acc, a, def), Finding: f, Members: members, Catalogue: cat,
		CanAccept: workflow.CanAccept(acc.wf(), a), Today: s.now().UTC().Format(time.DateOnly), EditForms: map[string]templates.Form{}}
	linked := map[string]bool{}
	current := a.State.Mitigations
	if a.Status == assessments.Approved {
		view, err := s.wf.MitigationTracking(ctx, s.actor(c), a.ID)
		if err != nil {
			return templates.FindingView{}, err
		}
		v.Tracking, v.CanTrack, current = view.Mitigations, map[string]bool{}, map[string]*assessments.Mitigation{}
		for id, t := range view.Mitigations {
			current[id] = t.Current
			v.CanTrack[id] = workflow.CanTrack(acc.wf(), s.actor(c), t.Current)
		}
	}
	for _, id := range f.Mitigations {
		if m := current[id]; m != nil {
			v.Mitigations = append(v.Mitigations, m)
			linked[id] = true
			v.EditForms[id] = mitigationForm(m)
		}
	}
	for _, m := range a.State.Mitigations {
		if !linked[m.ID] {
			v.Unlinked = append(v.Unlinked, m)
		}
	}
	suggested := map[string]bool{}
	for _, r := range def.Rules {
		if r.Key == f.Rule {
			for _, k := range r.Mitigations {
				if m, ok := cat.Get(k); ok {
					v.Suggested = append(v.Suggested, m)
					suggested[k] = true
				}
			}
		}
	}
	for _, m := range cat.All() {
		if !suggested[m.Key] {
			v.Suggested = append(v.Suggested, m)
		}
	}
	if err := s.loadComments(c, &v.AssessmentView); err != nil {
		return templates.FindingView{}, err
	}
	v.FindingForm = findingForm(f)
	v.AcceptForm = templates.NewForm()
	v.AcceptForm.Set("expires", s.now().AddDate(1, 0, 0).UTC().Format(time.DateOnly))
	v.MitigationForm = templates.NewForm()
	return v, nil
}

func findingForm(f *assessments.Finding) templates.Form {
	form := templates.NewForm()
	form.Set("title", f.Title)
	form.Set("description", f.Description)
	form.Set("category", f.Category)
	form.Set("likelihood", strconv.Itoa(int(f.Likelihood)))
	form.Set("severity", strconv.Itoa(int(f.Severity)))
	if f.Residual.Set() {
		form.Set("residual_likelihood", strconv.Itoa(int(f.Residual.Likelihood)))
		form.Set("residual_severity", strconv.Itoa(int(f.Residual.Severity)))
	}
	form.Set("status", string(f.Status))
	return form
}

func mitigationForm(m *assessments.Mitigation) templates.Form {
	form := templates.NewForm()
	if m.Owner != 0 {
		form.Set("owner", strconv.FormatInt(m.Owner, 10))
	}
	form.Set("due", m.Due)
	form.Set("status", string(m.Status))
	form.Set("evidence", m.Evidence)
	return form
}

func (s *Server) renderFinding(c echo.Context, status int, v templates.FindingView) error {
	return s.render(c, status, templates.FindingPage(s.page(c, v.Finding.Title, "projects"), v))
}

// findingFailure shows the finding page again after a failed form: with the operation's
// messages beside their fields (and what was typed) or, after a conflict, the newer state with
// the notice. Other errors (not found, forbidden, frozen) go to the error page.
func (s *Server) findingFailure(c echo.Context, findingID string, err error, place func(*templates.FindingView, templates.Form), form templates.Form) error {
	var invalid *workflow.ValidationError
	var conflict *workflow.ConflictError
	switch {
	case errors.As(err, &invalid):
		failInvalid(form, invalid)
	case errors.As(err, &conflict):
	default:
		return err
	}
	acc, current, def, lerr := s.assessmentAccess(c, actView)
	if lerr != nil {
		return lerr
	}
	f, ok := current.State.Findings[findingID]
	if !ok {
		return errNotFound
	}
	v, verr := s.findingView(c, acc, current, def, f)
	if verr != nil {
		return verr
	}
	place(&v, form)
	status := http.StatusUnprocessableEntity
	if conflict != nil {
		status = http.StatusConflict
		v.Conflict = &templates.ConflictView{Current: current.Revision}
	}
	return s.renderFinding(c, status, v)
}

// findingSaved answers a successful change on the finding page.
func (s *Server) findingSaved(c echo.Context, assessmentID int64, findingID, flash, anchor string) error {
	s.flash(c, flash)
	return c.Redirect(http.StatusSeeOther, assessmentPath(assessmentID)+"/findings/"+url.PathEscape(findingID)+anchor)
}

func (s *Server) updateFinding(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	findingID := c.Param("finding")
	form := formFrom(c, "title", "description", "category", "likelihood", "severity", "residual_likelihood", "residual_severity", "status")
	in := workflow.FindingChange{Finding: findingID,
		Residual: &workflow.ResidualInput{Likelihood: formScale(form, "residual_likelihood"), Severity: formScale(form, "residual_severity")}}
	if st := assessments.FindingStatus(form.Get("status")); st != "" {
		in.Status = &st
	}
	if c.Request().PostForm.Has("title") { // the form of a manual finding
		title, desc, cat := form.Get("title"), form.Get("description"), form.Get("category")
		l, sv := formScale(form, "likelihood"), formScale(form, "severity")
		in.Title, in.Description, in.Category, in.Likelihood, in.Severity = &title, &desc, &cat, &l, &sv
	}
	_, _, err = s.wf.UpdateFinding(c.Request().Context(), s.actor(c), id, formRevision(c), in)
	if err != nil {
		return s.findingFailure(c, findingID, err, func(v *templates.FindingView, fm templates.Form) { v.FindingForm = fm }, form)
	}
	return s.findingSaved(c, id, findingID, "Finding saved.", "")
}

func (s *Server) acceptFinding(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	form := formFrom(c, "justification", "expires")
	in := workflow.AcceptanceInput{Finding: c.Param("finding"), Justification: form.Get("justification"), Expires: form.Get("expires")}
	_, _, err = s.wf.AcceptRisk(c.Request().Context(), s.actor(c), id, formRevision(c), in)
	if err != nil {
		return s.findingFailure(c, in.Finding, err, func(v *templates.FindingView, fm templates.Form) { v.AcceptForm = fm }, form)
	}
	return s.findingSaved(c, id, in.Finding, "Residual risk accepted until "+in.Expires+".", "")
}

func (s *Server) withdrawAcceptance(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	findingID := c.Param("finding")
	if _, _, err := s.wf.WithdrawAcceptance(c.Request().Context(), s.actor(c), id, formRevision(c), findingID); err != nil {
		return s.findingFailure(c, findingID, err, func(*templates.FindingView, templates.Form) {}, templates.NewForm())
	}
	return s.findingSaved(c, id, findingID, "Acceptance withdrawn; the finding is open again.", "")
}

// ownerValue reads an owner field: empty is nobody, anything else must be a user id.
func ownerValue(f templates.Form, name string) (int64, bool) {
	if f.Get(name) == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(f.Get(name), 10, 64)
	return id, err == nil
}

// badOwner is the refusal of an owner field that is not a user id.
var badOwner = workflow.Invalid("owner", "Choose a project member.")

func (s *Server) linkMitigation(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	form := formFrom(c, "catalogue", "title", "existing", "owner", "due")
	in := workflow.MitigationLink{Finding: c.Param("finding"), Existing: form.Get("existing"), Catalogue: form.Get("catalogue")}
	if title := form.Get("title"); title != "" {
		in.Title = &title
	}
	if due := form.Get("due"); due != "" {
		in.Due = &due
	}
	owner, ok := ownerValue(form, "owner")
	in.Owner = &owner
	if ok {
		_, _, err = s.wf.LinkMitigation(c.Request().Context(), s.actor(c), id, formRevision(c), in)
	} else {
		err = badOwner
	}
	if err != nil {
		return s.findingFailure(c, in.Finding, err, func(v *templates.FindingView, fm templates.Form) { v.MitigationForm = fm }, form)
	}
	return s.findingSaved(c, id, in.Finding, "Mitigation linked.", "")
}

func (s *Server) unlinkMitigation(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	findingID := c.Param("finding")
	if _, _, err := s.wf.UnlinkMitigation(c.Request().Context(), s.actor(c), id, formRevision(c), findingID, c.Param("mitigation")); err != nil {
		return s.findingFailure(c, findingID, err, func(*templates.FindingView, templates.Form) {}, templates.NewForm())
	}
	return s.findingSaved(c, id, findingID, "Mitigation unlinked.", "")
}

// mitigationFinding is the finding page a mitigation form returns to: the one it was posted from,
// else the first the mitigation is linked to.
func (s *Server) mitigationFinding(c echo.Context, mitigationID string) (string, error) {
	_, a, _, err := s.assessmentAccess(c, actView)
	if err != nil {
		return "", err
	}
	if _, ok := a.State.Mitigations[mitigationID]; !ok {
		return "", errNotFound
	}
	findingID := c.FormValue("finding")
	if _, ok := a.State.Findings[findingID]; !ok {
		linked := assessments.FindingsOf(a.State, mitigationID)
		if len(linked) == 0 {
			return "", errNotFound
		}
		findingID = linked[0].ID
	}
	return findingID, nil
}

func (s *Server) updateMitigation(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	mid := c.Param("mitigation")
	findingID, err := s.mitigationFinding(c, mid)
	if err != nil {
		return err
	}
	form := formFrom(c, "owner", "due", "status", "evidence")
	due, status, evidence := form.Get("due"), assessments.MitigationStatus(form.Get("status")), form.Get("evidence")
	owner, ok := ownerValue(form, "owner")
	in := workflow.MitigationChange{Mitigation: mid, Owner: &owner, Due: &due, Status: &status, Evidence: &evidence}
	if ok {
		_, _, err = s.wf.UpdateMitigation(c.Request().Context(), s.actor(c), id, formRevision(c), in)
	} else {
		err = badOwner
	}
	if err != nil {
		return s.findingFailure(c, findingID, err, func(v *templates.FindingView, fm templates.Form) { v.EditForms[mid] = fm }, form)
	}
	return s.findingSaved(c, id, findingID, "Mitigation saved.", "#mitigation-"+mid)
}

func (s *Server) catalogue(c echo.Context) error {
	ctx := c.Request().Context()
	cat, err := s.questionnaires.catalogue(ctx)
	if err != nil {
		return err
	}
	v := templates.CatalogueView{Entries: cat.All(), Sections: map[string]string{}}
	latest, err := s.questionnaires.latest(ctx)
	if err != nil {
		return err
	}
	for _, d := range latest {
		for _, sec := range d.Sections {
			if _, ok := v.Sections[sec.Key]; !ok {
				v.Sections[sec.Key] = sec.Title
			}
		}
	}
	return s.render(c, http.StatusOK, templates.Catalogue(s.page(c, "Mitigation catalogue", "catalogue"), v))
}

// trackMitigation records, on an approved assessment, that a mitigation moved on: the form on
// the finding page posts here. The approved content and its hash stay as they were.
func (s *Server) trackMitigation(c echo.Context) error {
	_, a, _, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	id := c.Param("mitigation")
	findingID := c.FormValue("finding")
	if f, ok := a.State.Findings[findingID]; !ok || !slices.Contains(f.Mitigations, id) {
		return errNotFound
	}
	form := formFrom(c, "owner", "due", "status", "evidence")
	owner, ok := ownerValue(form, "owner")
	due, status, evidence := form.Get("due"), assessments.MitigationStatus(form.Get("status")), form.Get("evidence")
	err = badOwner
	if ok {
		change := assessments.TrackingChange{Mitigation: id, Status: &status, Owner: &owner, Due: &due, Evidence: &evidence}
		if _, _, err = s.wf.TrackMitigation(c.Request().Context(), s.actor(c), a.ID, change); err == nil {
			return s.findingSaved(c, a.ID, findingID, "Tracking recorded. The approved assessment is unchanged.", "#mitigation-"+id)
		}
	}
	return s.findingFailure(c, findingID, err, func(v *templates.FindingView, fm templates.Form) { v.EditForms[id] = fm }, form)
}

// editableAssessment loads the assessment for a change by an assessor or owner. Only the restore
// form (ui_history.go) still uses it, until restoring moves into the workflow layer.
func (s *Server) editableAssessment(c echo.Context) (*access, *assessments.Assessment, *questionnaire.Definition, error) {
	acc, a, def, err := s.assessmentAccess(c, actEdit)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := workflow.Editable(a); err != nil {
		return nil, nil, nil, err
	}
	return acc, a, def, nil
}
