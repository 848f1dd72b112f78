package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// canAccept tells whether the user may accept residual risks in this assessment: reviewers of
// the project, while it is not approved.
func canAccept(acc *access, a *store.Assessment) bool {
	return acc.role == store.RoleReviewer && a.Status != assessments.Approved && !acc.project.Archived()
}

func (s *Server) riskRegister(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	filter := templates.RiskFilter{Status: c.QueryParam("status"), Category: c.QueryParam("category"), Level: c.QueryParam("level")}
	return s.renderRegister(c, http.StatusOK, s.registerView(acc, a, def, filter, templates.NewForm()))
}

func (s *Server) registerView(acc *access, a *store.Assessment, def *questionnaire.Definition, filter templates.RiskFilter, form templates.Form) templates.RiskRegisterView {
	v := templates.RiskRegisterView{AssessmentView: s.assessmentView(acc, a, def), Filter: filter, NewForm: form,
		Inherent: templates.NewHeatmap("inherent", "Inherent risk"), Residual: templates.NewHeatmap("residual", "Residual risk"),
		Blockers: assessments.Blockers(a.State)}
	heat := assessments.HeatOf(a.State)
	v.Inherent.Cells, v.Residual.Cells = heat.Inherent, heat.Residual
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
		if f.ResidualLevel().High() {
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

func sectionKeys(def *questionnaire.Definition) []string {
	keys := make([]string, len(def.Sections))
	for i, sec := range def.Sections {
		keys[i] = sec.Key
	}
	return keys
}

func scaleValue(f templates.Form, name string) assessments.Scale {
	n, _ := strconv.Atoi(f.Get(name))
	return assessments.Scale(n)
}

// failField puts a domain validation error beside its field, or at the top of the form.
func failField(f templates.Form, err error) bool {
	var fe *assessments.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	name := fe.Field
	if f.Values.Get(name) == "" && !f.Values.Has(name) {
		switch name {
		case "residual":
			name = "residual_likelihood"
		default:
			name = "_"
		}
	}
	f.Fail(name, capitalise(fe.Msg)+".")
	return true
}

func (s *Server) addFinding(c echo.Context) error {
	acc, a, def, err := s.editableAssessment(c)
	if err != nil {
		return err
	}
	f := formFrom(c, "title", "description", "category", "likelihood", "severity")
	in := assessments.FindingInput{Title: f.Get("title"), Description: f.Get("description"), Category: f.Get("category"),
		Likelihood: scaleValue(f, "likelihood"), Severity: scaleValue(f, "severity")}
	var id string
	saved, err := s.commitOp(c, a, def, func(st assessments.State) (assessments.State, error) {
		var err error
		st, id, err = assessments.AddFinding(st, in, sectionKeys(def))
		return st, err
	}, "Added the finding “"+strings.TrimSpace(in.Title)+"”")
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			f.Fail("_", "Someone else changed this assessment in the meantime. Nothing was saved; check the register and add the finding again.")
		} else if !failField(f, err) {
			return err
		}
		current, err := s.store.Assessment(c.Request().Context(), a.ID)
		if err != nil {
			return err
		}
		return s.renderRegister(c, http.StatusUnprocessableEntity, s.registerView(acc, current, def, templates.RiskFilter{}, f))
	}
	s.flash(c, "Finding added.")
	return c.Redirect(http.StatusSeeOther, assessmentPath(saved.ID)+"/findings/"+id)
}

// editableAssessment loads the assessment for a change by an assessor or owner.
func (s *Server) editableAssessment(c echo.Context) (*access, *store.Assessment, *questionnaire.Definition, error) {
	acc, a, def, err := s.assessmentAccess(c, actEdit)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := workflow.Editable(a); err != nil {
		return nil, nil, nil, err
	}
	return acc, a, def, nil
}

// commitOp applies a register operation to the state at the form's revision and saves it.
func (s *Server) commitOp(c echo.Context, a *store.Assessment, def *questionnaire.Definition, op func(assessments.State) (assessments.State, error), summary string) (*store.Assessment, error) {
	base, err := strconv.Atoi(c.FormValue("revision"))
	if err != nil {
		base = -1 // a form without a revision never overwrites anything
	}
	next, err := op(a.State)
	if err != nil {
		return nil, err
	}
	return s.commit(c, a, def, base, next, summary)
}

// findingParam is the finding in the URL, which must exist in the assessment.
func findingParam(c echo.Context, a *store.Assessment) (*assessments.Finding, error) {
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

func (s *Server) findingView(c echo.Context, acc *access, a *store.Assessment, def *questionnaire.Definition, f *assessments.Finding) (templates.FindingView, error) {
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
		CanAccept: canAccept(acc, a), Today: s.now().UTC().Format(time.DateOnly), EditForms: map[string]templates.Form{}}
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

// findingFailure shows the finding page again after a failed form: with the error beside its
// field (and what was typed) or, after a conflict, the newer state with the notice.
func (s *Server) findingFailure(c echo.Context, acc *access, a *store.Assessment, def *questionnaire.Definition, findingID string, err error, place func(*templates.FindingView, templates.Form), form templates.Form) error {
	conflict := errors.Is(err, store.ErrConflict)
	if !conflict && !failField(form, err) {
		if errors.Is(err, assessments.ErrNoFinding) || errors.Is(err, assessments.ErrNoMitigation) {
			return errNotFound
		}
		return err
	}
	current, lerr := s.store.Assessment(c.Request().Context(), a.ID)
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
	if conflict {
		status = http.StatusConflict
		v.Conflict = &templates.ConflictView{Current: current.Revision}
	}
	return s.renderFinding(c, status, v)
}

func (s *Server) updateFinding(c echo.Context) error {
	acc, a, def, err := s.editableAssessment(c)
	if err != nil {
		return err
	}
	f, err := findingParam(c, a)
	if err != nil {
		return err
	}
	form := formFrom(c, "title", "description", "category", "likelihood", "severity", "residual_likelihood", "residual_severity", "status")
	u := assessments.FindingUpdate{Residual: &assessments.Residual{Likelihood: scaleValue(form, "residual_likelihood"), Severity: scaleValue(form, "residual_severity")}}
	if st := assessments.FindingStatus(form.Get("status")); st != "" && st != f.Status {
		u.Status = &st
	}
	if f.Manual() {
		title, desc, cat := form.Get("title"), form.Get("description"), form.Get("category")
		l, sv := scaleValue(form, "likelihood"), scaleValue(form, "severity")
		u.Title, u.Description, u.Category, u.Likelihood, u.Severity = &title, &desc, &cat, &l, &sv
	}
	_, err = s.commitOp(c, a, def, func(st assessments.State) (assessments.State, error) {
		return assessments.UpdateFinding(st, f.ID, u, sectionKeys(def))
	}, "Assessed the finding “"+f.Title+"”")
	if err != nil {
		return s.findingFailure(c, acc, a, def, f.ID, err, func(v *templates.FindingView, fm templates.Form) { v.FindingForm = fm }, form)
	}
	s.flash(c, "Finding saved.")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/findings/"+f.ID)
}

// acceptanceTarget loads the finding in the URL for a reviewer deciding on its acceptance.
func (s *Server) acceptanceTarget(c echo.Context) (*access, *store.Assessment, *questionnaire.Definition, *assessments.Finding, error) {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if !canAccept(acc, a) {
		return nil, nil, nil, nil, &httpError{status: http.StatusForbidden, msg: "Only a reviewer of the project accepts residual risks or withdraws acceptances, before approval."}
	}
	f, err := findingParam(c, a)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return acc, a, def, f, nil
}

// newAcceptance is the signed-in reviewer's acceptance with the given text and expiry.
func (s *Server) newAcceptance(c echo.Context, justification, expires string) assessments.Acceptance {
	u := authFrom(c).user
	return assessments.Acceptance{By: u.ID, ByEmail: u.Email, ByName: u.Name, At: s.now().UTC().Format(time.RFC3339), Justification: justification, Expires: expires}
}

// auditAcceptance makes the coming commit record an acceptance given (non-nil) or withdrawn.
func (s *Server) auditAcceptance(c echo.Context, a *store.Assessment, f *assessments.Finding, given *assessments.Acceptance) {
	details := map[string]any{"finding": f.ID, "title": f.Title}
	action := store.AuditRiskWithdraw
	if given != nil {
		action = store.AuditRiskAccept
		details["expires"], details["justification"] = given.Expires, given.Justification
	}
	s.auditNextCommit(c, action, store.AuditTarget("assessment", a.ID), details)
}

func (s *Server) acceptFinding(c echo.Context) error {
	acc, a, def, f, err := s.acceptanceTarget(c)
	if err != nil {
		return err
	}
	form := formFrom(c, "justification", "expires")
	acceptance := s.newAcceptance(c, form.Get("justification"), form.Get("expires"))
	s.auditAcceptance(c, a, f, &acceptance)
	_, err = s.commitOp(c, a, def, func(st assessments.State) (assessments.State, error) {
		return assessments.Accept(st, f.ID, acceptance, s.now().UTC())
	}, "Accepted the residual risk of “"+f.Title+"” until "+acceptance.Expires)
	if err != nil {
		return s.findingFailure(c, acc, a, def, f.ID, err, func(v *templates.FindingView, fm templates.Form) { v.AcceptForm = fm }, form)
	}
	s.flash(c, "Residual risk accepted until "+acceptance.Expires+".")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/findings/"+f.ID)
}

func (s *Server) withdrawAcceptance(c echo.Context) error {
	acc, a, def, f, err := s.acceptanceTarget(c)
	if err != nil {
		return err
	}
	s.auditAcceptance(c, a, f, nil)
	_, err = s.commitOp(c, a, def, func(st assessments.State) (assessments.State, error) {
		return assessments.Withdraw(st, f.ID)
	}, "Withdrew the acceptance of “"+f.Title+"”")
	if err != nil {
		return s.findingFailure(c, acc, a, def, f.ID, err, func(*templates.FindingView, templates.Form) {}, templates.NewForm())
	}
	s.flash(c, "Acceptance withdrawn; the finding is open again.")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/findings/"+f.ID)
}

// ownerValue reads an owner field: empty is nobody, anything else must be a user id.
func ownerValue(f templates.Form, name string) (int64, bool) {
	if f.Get(name) == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(f.Get(name), 10, 64)
	return id, err == nil
}

func (s *Server) linkMitigation(c echo.Context) error {
	acc, a, def, err := s.editableAssessment(c)
	if err != nil {
		return err
	}
	f, err := findingParam(c, a)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	form := formFrom(c, "catalogue", "title", "existing", "owner", "due")
	members, err := s.store.Members(ctx, acc.project.ID)
	if err != nil {
		return err
	}
	cat, err := s.questionnaires.catalogue(ctx)
	if err != nil {
		return err
	}
	owner, ok := ownerValue(form, "owner")
	if !ok {
		form.Fail("owner", "Choose a project member.")
	}
	in := assessments.MitigationInput{Owner: &owner}
	if due := form.Get("due"); due != "" {
		in.Due = &due
	}
	title, key, existing := form.Get("title"), form.Get("catalogue"), form.Get("existing")
	switch {
	case existing != "":
	case key != "":
		m, ok := cat.Get(key)
		if !ok {
			form.Fail("catalogue", "Choose a mitigation from the list.")
			break
		}
		in.Catalogue = &m.Key
		if title == "" {
			title = m.Title
		}
		in.Title = &title
	case title != "":
		in.Title = &title
	default:
		form.Fail("catalogue", "Choose a mitigation from the catalogue, or give your own a title.")
	}
	if !form.Valid() {
		return s.findingFailure(c, acc, a, def, f.ID, &assessments.FieldError{Field: "_", Msg: "check the fields marked"}, func(v *templates.FindingView, fm templates.Form) { v.MitigationForm = fm }, form)
	}
	summary := "Linked a mitigation to “" + f.Title + "”"
	_, err = s.commitOp(c, a, def, func(st assessments.State) (assessments.State, error) {
		if existing != "" {
			return assessments.Link(st, f.ID, existing)
		}
		st, _, err := assessments.LinkNewMitigation(st, f.ID, in, workflow.MemberIDs(members))
		return st, err
	}, summary)
	if err != nil {
		return s.findingFailure(c, acc, a, def, f.ID, err, func(v *templates.FindingView, fm templates.Form) { v.MitigationForm = fm }, form)
	}
	s.flash(c, "Mitigation linked.")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/findings/"+f.ID)
}

func (s *Server) unlinkMitigation(c echo.Context) error {
	acc, a, def, err := s.editableAssessment(c)
	if err != nil {
		return err
	}
	f, err := findingParam(c, a)
	if err != nil {
		return err
	}
	mid := c.Param("mitigation")
	_, err = s.commitOp(c, a, def, func(st assessments.State) (assessments.State, error) {
		return assessments.Unlink(st, f.ID, mid)
	}, "Unlinked a mitigation from “"+f.Title+"”")
	if err != nil {
		return s.findingFailure(c, acc, a, def, f.ID, err, func(*templates.FindingView, templates.Form) {}, templates.NewForm())
	}
	s.flash(c, "Mitigation unlinked.")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/findings/"+f.ID)
}

func (s *Server) updateMitigation(c echo.Context) error {
	acc, a, def, err := s.editableAssessment(c)
	if err != nil {
		return err
	}
	m, ok := a.State.Mitigations[c.Param("mitigation")]
	if !ok {
		return errNotFound
	}
	findingID := c.FormValue("finding")
	if _, ok := a.State.Findings[findingID]; !ok {
		linked := assessments.FindingsOf(a.State, m.ID)
		if len(linked) == 0 {
			return errNotFound
		}
		findingID = linked[0].ID
	}
	form := formFrom(c, "owner", "due", "status", "evidence")
	members, err := s.store.Members(c.Request().Context(), acc.project.ID)
	if err != nil {
		return err
	}
	owner, ok := ownerValue(form, "owner")
	if !ok {
		form.Fail("owner", "Choose a project member.")
	}
	due, status, evidence := form.Get("due"), assessments.MitigationStatus(form.Get("status")), form.Get("evidence")
	in := assessments.MitigationInput{Owner: &owner, Due: &due, Status: &status, Evidence: &evidence}
	place := func(v *templates.FindingView, fm templates.Form) { v.EditForms[m.ID] = fm }
	if !form.Valid() {
		return s.findingFailure(c, acc, a, def, findingID, &assessments.FieldError{Field: "_", Msg: "check the fields marked"}, place, form)
	}
	_, err = s.commitOp(c, a, def, func(st assessments.State) (assessments.State, error) {
		return assessments.UpdateMitigation(st, m.ID, in, workflow.MemberIDs(members))
	}, "Updated the mitigation “"+m.Title+"”: "+status.Label())
	if err != nil {
		return s.findingFailure(c, acc, a, def, findingID, err, place, form)
	}
	s.flash(c, "Mitigation saved.")
	return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/findings/"+findingID+"#mitigation-"+m.ID)
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
	acc, a, def, err := s.assessmentAccess(c, actView)
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
	if !ok {
		form.Fail("owner", "Choose a project member.")
	}
	due, status, evidence := form.Get("due"), assessments.MitigationStatus(form.Get("status")), form.Get("evidence")
	place := func(v *templates.FindingView, fm templates.Form) { v.EditForms[id] = fm }
	if form.Valid() {
		change := assessments.TrackingChange{Mitigation: id, Status: &status, Owner: &owner, Due: &due, Evidence: &evidence}
		if _, _, err = s.wf.TrackMitigation(c.Request().Context(), s.actor(c), a.ID, change); err == nil {
			s.flash(c, "Tracking recorded. The approved assessment is unchanged.")
			return c.Redirect(http.StatusSeeOther, assessmentPath(a.ID)+"/findings/"+findingID+"#mitigation-"+id)
		}
	} else {
		err = &assessments.FieldError{Field: "_", Msg: "check the fields marked"}
	}
	var invalid *workflow.ValidationError
	if errors.As(err, &invalid) {
		field, msg := invalid.First()
		err = &assessments.FieldError{Field: field, Msg: msg}
	}
	return s.findingFailure(c, acc, a, def, findingID, err, place, form)
}
