package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// myWork is "My work": the signed-in user's worklists across projects, filtered by kind,
// project and how soon things come due. A refused filter shows the page again with the message
// beside the field (422).
func (s *Server) myWork(c echo.Context) error {
	v := templates.MyWorkView{Filter: queryForm(c, "kind", "project", "within")}
	projects, err := s.projectOptions(c, false)
	if err != nil {
		return err
	}
	v.Projects = projects
	f, err := workflow.ParseWorkFilter(v.Filter.Get("kind"), v.Filter.Get("project"), v.Filter.Get("within"))
	if err == nil {
		v.Work, err = s.wf.MyWork(c.Request().Context(), s.actor(c), f)
	}
	if formErrors(v.Filter, err, nil) {
		return s.render(c, http.StatusUnprocessableEntity, templates.MyWork(s.page(c, "My work", "work"), v))
	}
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.MyWork(s.page(c, "My work", "work"), v))
}

// mitigationRegister is the cross-project register: the mitigations of every project the user
// may see, filtered by project, owner, status and due date, a page at a time.
func (s *Server) mitigationRegister(c echo.Context) error {
	v := templates.RegisterView{Filter: queryForm(c, "project", "owner", "status", "due", "page")}
	u := authFrom(c).user
	projects, err := s.projectOptions(c, u.IsAdmin)
	if err != nil {
		return err
	}
	v.Projects = projects
	v.Page, err = s.wf.MitigationRegister(c.Request().Context(), s.actor(c), registerFilter(c), c.QueryParam("page"), "")
	if formErrors(v.Filter, err, func(field string) string {
		if field == "page" { // not a field of the form: said above it
			return "_"
		}
		return field
	}) {
		return s.render(c, http.StatusUnprocessableEntity, templates.MitigationRegister(s.page(c, "Mitigation register", "mitigations"), v))
	}
	if err != nil {
		return err
	}
	project, err := queryCount(c, "project") // a project the actor may not see is checked by ProjectedRisks
	if err != nil {
		return err
	}
	if v.Projected, v.ProjectedTotal, err = s.wf.ProjectedRisks(c.Request().Context(), s.actor(c), project); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.MitigationRegister(s.page(c, "Mitigation register", "mitigations"), v))
}

func registerFilter(c echo.Context) workflow.RegisterFilter {
	return workflow.RegisterFilter{Project: c.QueryParam("project"), Owner: c.QueryParam("owner"),
		Status: c.QueryParam("status"), Due: c.QueryParam("due")}
}

// queryForm holds the query parameters of a filter form, so a refused one shows what was typed.
func queryForm(c echo.Context, names ...string) templates.Form {
	f := templates.NewForm()
	for _, n := range names {
		f.Set(n, c.QueryParam(n))
	}
	return f
}

// projectOptions are the active projects a filter offers: the user's, or every one for an
// admin when all is set.
func (s *Server) projectOptions(c echo.Context, all bool) ([]templates.Option, error) {
	u := authFrom(c).user
	items, _, err := s.store.Projects(c.Request().Context(), store.ProjectQuery{UserID: u.ID, All: all, Limit: store.MaxPage})
	if err != nil {
		return nil, err
	}
	out := make([]templates.Option, 0, len(items))
	for _, it := range items {
		out = append(out, templates.Option{Value: strconv.FormatInt(it.ID, 10), Label: it.Name})
	}
	return out, nil
}

// dashboardWork is what the dashboard's "Waiting for you" shows; a failure leaves the section out
// rather than the whole dashboard.
func (s *Server) dashboardWork(c echo.Context) *workflow.Work {
	w, err := s.wf.MyWork(c.Request().Context(), s.actor(c), workflow.WorkFilter{})
	if err != nil && !errors.Is(err, workflow.ErrNotFound) {
		s.log.Warn("dashboard worklists", "err", err)
	}
	return w
}

// displayName is a person's name, or their email when they have none.
func displayName(name, email string) string {
	if name != "" {
		return name
	}
	return email
}
