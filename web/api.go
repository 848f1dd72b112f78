package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

// apiDataset is a dataset as the API shows it: the domain's dataset with its id.
type apiDataset struct {
	ID int64 `json:"id,omitempty"`
	assessments.Dataset
}

type apiProject struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	Purpose    string       `json:"purpose"`
	BaseModel  string       `json:"base_model"`
	Deployment string       `json:"deployment"`
	Archived   bool         `json:"archived"`
	Role       string       `json:"role,omitempty"`
	Version    int64        `json:"version"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	Datasets   []apiDataset `json:"datasets,omitempty"`
}

func toAPIProject(p *assessments.Project, role assessments.Role) apiProject {
	return apiProject{ID: p.ID, Name: p.Name, Purpose: p.Purpose, BaseModel: p.BaseModel, Deployment: p.Deployment,
		Archived: p.Archived(), Role: string(role), Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func (s *Server) apiMe(c echo.Context) error {
	u := authFrom(c).user
	return c.JSON(http.StatusOK, map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "admin": u.IsAdmin})
}

func (s *Server) apiProjects(c echo.Context) error {
	page, err := s.wf.ListProjects(c.Request().Context(), s.actor(c), c.QueryParam("q"), c.QueryParam("archived") == "true", false,
		c.QueryParam("page"), c.QueryParam("per_page"))
	if err != nil {
		return err
	}
	out := make([]apiProject, 0, len(page.Items))
	for _, it := range page.Items {
		out = append(out, toAPIProject(&it.Project, assessments.Role(it.Role)))
	}
	return c.JSON(http.StatusOK, map[string]any{"projects": out, "total": page.Total, "page": page.Page, "per_page": page.PerPage})
}

func (s *Server) apiProjectResponse(c echo.Context, status int, a *access) error {
	datasets, err := s.store.Datasets(c.Request().Context(), a.project.ID)
	if err != nil {
		return err
	}
	out := toAPIProject(a.project, a.role)
	out.Datasets = []apiDataset{}
	for _, d := range datasets {
		out.Datasets = append(out.Datasets, apiDataset{ID: d.ID, Dataset: d.Dataset})
	}
	c.Response().Header().Set("ETag", strconv.Quote(strconv.FormatInt(a.project.Version, 10)))
	return c.JSON(status, out)
}

func (s *Server) apiProject(c echo.Context) error {
	a, err := s.projectAccess(c, actView)
	if err != nil {
		return err
	}
	return s.apiProjectResponse(c, http.StatusOK, a)
}

type projectInput struct {
	Name       *string      `json:"name"`
	Purpose    *string      `json:"purpose"`
	BaseModel  *string      `json:"base_model"`
	Deployment *string      `json:"deployment"`
	Archived   *bool        `json:"archived"`
	Datasets   []apiDataset `json:"datasets"`
}

func (s *Server) apiCreateProject(c echo.Context) error {
	var in projectInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	var datasets []assessments.Dataset
	for i, d := range in.Datasets {
		if d.ID != 0 {
			return workflow.Invalid(fmt.Sprintf("datasets[%d].id", i), "a new dataset has no id")
		}
		datasets = append(datasets, d.Dataset)
	}
	p, err := s.wf.CreateProject(c.Request().Context(), s.actor(c),
		workflow.ProjectInput{Name: str(in.Name), Purpose: str(in.Purpose), BaseModel: str(in.BaseModel), Deployment: str(in.Deployment)}, datasets)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/projects/"+strconv.FormatInt(p.ID, 10))
	return s.apiProjectResponse(c, http.StatusCreated, &access{project: p, role: assessments.RoleOwner})
}

// apiUpdateProject changes the given fields. With If-Match (the version from the ETag or the
// project's "version") a change made by someone else in between is refused with 409.
func (s *Server) apiUpdateProject(c echo.Context) error {
	a, err := s.projectAccess(c, actView)
	if err != nil {
		return err
	}
	var in projectInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Datasets != nil {
		return apiErr(http.StatusUnprocessableEntity, "datasets cannot be changed with PATCH on the project", "datasets")
	}
	version, err := ifMatch(c, false)
	if err != nil {
		return err
	}
	if a.project, err = s.wf.UpdateProject(c.Request().Context(), s.actor(c), a.project.ID, workflow.ProjectChange{
		Name: in.Name, Purpose: in.Purpose, BaseModel: in.BaseModel, Deployment: in.Deployment, Archived: in.Archived, Version: int64(version)}); err != nil {
		return err
	}
	return s.apiProjectResponse(c, http.StatusOK, a)
}

type apiMember struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role"`
}

func (s *Server) apiMembers(c echo.Context) error {
	a, err := s.projectAccess(c, actView)
	if err != nil {
		return err
	}
	return s.apiMemberList(c, http.StatusOK, a.project.ID)
}

func (s *Server) apiMemberList(c echo.Context, status int, projectID int64) error {
	members, err := s.store.Members(c.Request().Context(), projectID)
	if err != nil {
		return err
	}
	out := make([]apiMember, 0, len(members))
	for _, m := range members {
		out = append(out, apiMember{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: string(m.Role)})
	}
	return c.JSON(status, map[string]any{"members": out})
}

func (s *Server) apiAddMember(c echo.Context) error {
	a, err := s.projectAccess(c, actManage)
	if err != nil {
		return err
	}
	var in struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	_, added, err := s.wf.AddMember(c.Request().Context(), s.actor(c), a.project.ID, in.Email, in.Role)
	var frozen *workflow.FrozenError
	if errors.As(err, &frozen) {
		return apiErr(http.StatusConflict, frozen.Reason, "role") // the role would leave no owner
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if added {
		status = http.StatusCreated
	}
	return s.apiMemberList(c, status, a.project.ID)
}
