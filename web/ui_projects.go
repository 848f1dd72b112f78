package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/remind"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

const projectsPerPage = 20

func (s *Server) dashboard(c echo.Context) error {
	u := authFrom(c).user
	items, total, err := s.store.Projects(c.Request().Context(), store.ProjectQuery{UserID: u.ID, All: u.IsAdmin, RecentFirst: true, Limit: 5})
	if err != nil {
		return err
	}
	att, err := s.attention(c, store.Scope{UserID: u.ID, All: u.IsAdmin})
	if err != nil {
		return err
	}
	att.ShowProject = true
	return s.render(c, http.StatusOK, templates.Dashboard(s.page(c, "Dashboard", "dashboard"), templates.DashboardView{Recent: items, Projects: total, Attention: att,
		Work: s.dashboardWork(c)}))
}

func (s *Server) projectList(c echo.Context) error {
	v := templates.ProjectListView{Search: strings.TrimSpace(c.QueryParam("q")), Archived: c.QueryParam("archived") == "1"}
	page, err := s.wf.ListProjects(c.Request().Context(), s.actor(c), v.Search, v.Archived, false, c.QueryParam("page"), "")
	if err != nil {
		return err
	}
	v.Items, v.Total, v.Page = page.Items, page.Total, page.Page
	v.Pages = (v.Total + page.PerPage - 1) / page.PerPage
	return s.render(c, http.StatusOK, templates.ProjectList(s.page(c, "Projects", "projects"), v))
}

func (s *Server) newProjectForm(c echo.Context) error {
	return s.render(c, http.StatusOK, templates.ProjectForm(s.page(c, "New project", "projects"), templates.ProjectFormView{}, templates.NewForm()))
}

var projectFormFields = []string{"name", "purpose", "base_model", "deployment"}
var datasetFormFields = []string{"ds_name", "ds_source", "ds_categories", "ds_special", "ds_subjects", "ds_records", "ds_retention"}

// datasetFormNames maps the workflow's dataset fields to the form's.
var datasetFormNames = map[string]string{"name": "ds_name", "source": "ds_source", "categories": "ds_categories",
	"special_categories": "ds_special", "data_subjects": "ds_subjects", "approx_records": "ds_records", "retention": "ds_retention"}

func (s *Server) createProject(c echo.Context) error {
	f := formFrom(c, append(projectFormFields, datasetFormFields...)...)
	var datasets []assessments.Dataset
	if anyFilled(f, datasetFormFields) { // the first dataset is optional
		datasets = append(datasets, datasetFromForm(f))
	}
	in := projectFromForm(f)
	var p *assessments.Project
	var err error
	if f.Valid() {
		p, err = s.wf.CreateProject(c.Request().Context(), s.actor(c), in, datasets)
	} else { // a record count that is not a number: show what else is wrong too
		problems := in.Check()
		for _, d := range datasets {
			problems.Merge("datasets[0].", workflow.CheckDataset(&d))
		}
		err = problems.Err()
	}
	if formErrors(f, err, func(field string) string {
		if rest, ok := strings.CutPrefix(field, "datasets[0]."); ok {
			return datasetFormNames[rest]
		}
		return field
	}) {
		return s.render(c, http.StatusUnprocessableEntity, templates.ProjectForm(s.page(c, "New project", "projects"), templates.ProjectFormView{}, f))
	}
	if err != nil {
		return err
	}
	s.flash(c, "Project created. You are its owner.")
	return c.Redirect(http.StatusSeeOther, "/projects/"+strconv.FormatInt(p.ID, 10))
}

func anyFilled(f templates.Form, names []string) bool {
	for _, n := range names {
		if f.Get(n) != "" {
			return true
		}
	}
	return false
}

func projectFromForm(f templates.Form) workflow.ProjectInput {
	return workflow.ProjectInput{Name: f.Get("name"), Purpose: f.Get("purpose"), BaseModel: f.Get("base_model"), Deployment: f.Get("deployment")}
}

// datasetFromForm reads the ds_* fields; a record count that is not a whole number fails the
// form's ds_records field.
func datasetFromForm(f templates.Form) assessments.Dataset {
	d := assessments.Dataset{
		Name: f.Get("ds_name"), Source: f.Get("ds_source"), Categories: f.Get("ds_categories"),
		SpecialCategories: f.Get("ds_special") != "", DataSubjects: f.Get("ds_subjects"), Retention: f.Get("ds_retention"),
	}
	if r := f.Get("ds_records"); r != "" {
		n, ok := workflow.ParseCount(r, workflow.MaxRecords)
		if !ok {
			f.Fail("ds_records", workflow.RecordsMessage)
		}
		d.ApproxRecords = n
	}
	return d
}

func (s *Server) showProject(c echo.Context) error {
	a, err := s.projectAccess(c, actView)
	if err != nil {
		return err
	}
	return s.renderProject(c, a, http.StatusOK, templates.NewForm())
}

func (s *Server) renderProject(c echo.Context, a *access, status int, memberForm templates.Form) error {
	ctx := c.Request().Context()
	datasets, err := s.store.Datasets(ctx, a.project.ID)
	if err != nil {
		return err
	}
	members, err := s.store.Members(ctx, a.project.ID)
	if err != nil {
		return err
	}
	if memberForm.Get("member_role") == "" {
		memberForm.Set("member_role", string(assessments.RoleAssessor))
	}
	v := templates.ProjectView{
		Project: a.project, Role: a.role, Datasets: datasets, Members: members,
		CanEdit: a.can(actEdit), CanManage: a.can(actManage), MemberForm: memberForm,
	}
	if err := s.projectAssessments(c, &v); err != nil {
		return err
	}
	// Access to the project was checked already; the scope is just this project.
	if v.Attention, err = s.attention(c, store.Scope{All: true, ProjectID: a.project.ID}); err != nil {
		return err
	}
	if v.Pipeline, err = s.pipelineChecks(c, a); err != nil {
		return err
	}
	return s.render(c, status, templates.ProjectShow(s.page(c, a.project.Name, "projects"), v))
}

func (s *Server) editProjectForm(c echo.Context) error {
	a, err := s.projectAccess(c, actEdit)
	if err != nil {
		return err
	}
	f := templates.NewForm()
	p := a.project
	f.Set("name", p.Name)
	f.Set("purpose", p.Purpose)
	f.Set("base_model", p.BaseModel)
	f.Set("deployment", p.Deployment)
	f.Set("version", strconv.FormatInt(p.Version, 10))
	return s.render(c, http.StatusOK, templates.ProjectForm(s.page(c, "Edit "+p.Name, "projects"), templates.ProjectFormView{Project: p}, f))
}

func (s *Server) editProject(c echo.Context) error {
	a, err := s.projectAccess(c, actEdit)
	if err != nil {
		return err
	}
	f := formFrom(c, append(projectFormFields, "version")...)
	in := projectFromForm(f)
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	view := templates.ProjectFormView{Project: a.project}
	_, err = s.wf.UpdateProject(c.Request().Context(), s.actor(c), a.project.ID, workflow.ProjectChange{
		Name: &in.Name, Purpose: &in.Purpose, BaseModel: &in.BaseModel, Deployment: &in.Deployment, Version: max(version, 1)})
	var conflict *workflow.ConflictError
	switch {
	case formErrors(f, err, nil):
		return s.render(c, http.StatusUnprocessableEntity, templates.ProjectForm(s.page(c, "Edit "+a.project.Name, "projects"), view, f))
	case errors.As(err, &conflict):
		// Keep what the user typed, but let the next save go through on top of the newer version.
		f.Fail("_", "Someone else saved this project while you were editing. Your text is still below; check the project page for their changes, then save again.")
		f.Set("version", strconv.FormatInt(conflict.Current, 10))
		return s.render(c, http.StatusConflict, templates.ProjectForm(s.page(c, "Edit "+a.project.Name, "projects"), view, f))
	case err != nil:
		return err
	}
	s.flash(c, "Project saved.")
	return c.Redirect(http.StatusSeeOther, "/projects/"+strconv.FormatInt(a.project.ID, 10))
}

func (s *Server) archiveProject(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	archive := c.FormValue("archived") != "0"
	if _, err := s.wf.UpdateProject(c.Request().Context(), s.actor(c), a.project.ID, workflow.ProjectChange{Archived: &archive}); err != nil {
		return err
	}
	if archive {
		s.flash(c, "Project archived. It is read-only until restored.")
	} else {
		s.flash(c, "Project restored.")
	}
	return c.Redirect(http.StatusSeeOther, "/projects/"+strconv.FormatInt(a.project.ID, 10))
}

// projectAssessments fills the project page's assessment list and the questionnaires a new
// assessment may use.
func (s *Server) projectAssessments(c echo.Context, v *templates.ProjectView) error {
	ctx := c.Request().Context()
	list, err := s.store.Assessments(ctx, v.Project.ID)
	if err != nil {
		return err
	}
	if len(list) > 0 {
		v.Latest = list[0]
	}
	for _, a := range list {
		def, err := s.questionnaires.get(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
		if err != nil {
			return err
		}
		prog := def.Progress(questionnaire.Answers(a.Answers()))
		risks := 0
		for _, f := range a.State.Findings {
			if f.Live() {
				risks++
			}
		}
		v.Assessments = append(v.Assessments, templates.AssessmentRow{ID: a.ID, Cycle: a.Cycle, Title: def.Title, Version: def.Version,
			Status: a.Status.Label(), Percent: prog.Percent, Left: len(prog.Missing), Risks: risks,
			Revision: a.Revision, Updated: a.UpdatedAt})
		if a.Status != assessments.Approved {
			v.OpenAssessment = true
		}
	}
	latest, err := s.questionnaires.latest(ctx)
	if err != nil {
		return err
	}
	for _, d := range latest {
		v.Questionnaires = append(v.Questionnaires, templates.Option{Value: d.Key, Label: d.Title + " (version " + strconv.Itoa(d.Version) + ")"})
	}
	return nil
}

// attention gathers the open high risks and overdue mitigations in scope.
func (s *Server) attention(c echo.Context, sc store.Scope) (templates.Attention, error) {
	ctx := c.Request().Context()
	var att templates.Attention
	var err error
	if att.Risks, att.RiskTotal, err = s.store.OpenHighRisks(ctx, sc, 10); err != nil {
		return att, err
	}
	today := s.now().UTC().Format(time.DateOnly)
	if att.Overdue, att.OverdueTotal, err = s.store.OverdueMitigations(ctx, sc, today, 10); err != nil {
		return att, err
	}
	att.Due, att.DueTotal, err = s.dueLines(ctx, sc)
	return att, err
}

// dueLines lists what falls due within 30 days (acceptances: or has expired) in the scope, and
// the approved assessments whose project changed since: the first dueShown, and how many in all.
func (s *Server) dueLines(ctx context.Context, sc store.Scope) ([]templates.DueLine, int, error) {
	now := s.now()
	today := now.UTC().Format(time.DateOnly)
	horizon := now.UTC().AddDate(0, 0, 30).Format(time.DateOnly)
	items, total, err := s.store.DueSoonList(ctx, sc, today, horizon, dueShown)
	if err != nil {
		return nil, 0, err
	}
	out := make([]templates.DueLine, 0, len(items))
	for _, d := range items {
		line := templates.DueLine{What: "Mitigation", Title: d.Title, Project: d.ProjectName, Link: assessmentPath(d.AssessmentID) + "/risks",
			Due: d.Due, Reason: d.Reason}
		switch d.Kind {
		case "reassessment":
			line.What, line.Title, line.Link = "Re-assessment", fmt.Sprintf("%s, cycle %d", d.ProjectName, d.Cycle), assessmentPath(d.AssessmentID)
		case remind.KindAcceptance:
			line.What, line.Link = "Risk acceptance", assessmentPath(d.AssessmentID)+"/findings/"+d.ItemID
		}
		if due, err := time.Parse(time.DateOnly, d.Due); err == nil {
			line.DaysLeft = remind.DaysUntil(due, now)
		}
		out = append(out, line)
	}
	return out, total, nil
}

// dueShown is how many due lines the dashboard and a project page list.
const dueShown = 20
