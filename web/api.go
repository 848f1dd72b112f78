package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/store"
)

// decodeJSON reads a JSON body strictly: unknown fields and trailing data are errors, so a typo
// in a client is reported instead of silently ignored.
func decodeJSON(c echo.Context, v any) error {
	if ct := c.Request().Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apiErr(http.StatusUnsupportedMediaType, "send the body as application/json", "")
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var maxBytes *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		if dec.More() {
			return apiErr(http.StatusBadRequest, "the body has data after the JSON value", "")
		}
		return nil
	case errors.As(err, &maxBytes):
		return errTooLarge
	case errors.Is(err, io.EOF):
		return apiErr(http.StatusBadRequest, "the body is empty; send a JSON object", "")
	case errors.As(err, &typeErr):
		return apiErr(http.StatusUnprocessableEntity, fmt.Sprintf("%s must be %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String())), typeErr.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apiErr(http.StatusUnprocessableEntity, "unknown field "+field, field)
	default:
		return apiErr(http.StatusBadRequest, "the body is not valid JSON: "+err.Error(), "")
	}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "a number"
}

type apiDataset struct {
	ID                int64  `json:"id,omitempty"`
	Name              string `json:"name"`
	Source            string `json:"source"`
	Categories        string `json:"categories"`
	SpecialCategories bool   `json:"special_categories"`
	DataSubjects      string `json:"data_subjects"`
	ApproxRecords     int64  `json:"approx_records"`
	Retention         string `json:"retention"`
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

func toAPIProject(p *store.Project, role store.Role) apiProject {
	return apiProject{ID: p.ID, Name: p.Name, Purpose: p.Purpose, BaseModel: p.BaseModel, Deployment: p.Deployment,
		Archived: p.Archived(), Role: string(role), Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func (s *Server) apiMe(c echo.Context) error {
	u := authFrom(c).user
	return c.JSON(http.StatusOK, map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "admin": u.IsAdmin})
}

func (s *Server) apiProjects(c echo.Context) error {
	u := authFrom(c).user
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	perPage, _ := strconv.Atoi(c.QueryParam("per_page"))
	if perPage <= 0 || perPage > 100 {
		perPage = 20
	}
	items, total, err := s.store.Projects(c.Request().Context(), store.ProjectQuery{
		UserID: u.ID, All: u.IsAdmin, Search: c.QueryParam("q"), Archived: c.QueryParam("archived") == "true",
		Limit: perPage, Offset: (page - 1) * perPage,
	})
	if err != nil {
		return err
	}
	out := make([]apiProject, 0, len(items))
	for _, it := range items {
		out = append(out, toAPIProject(&it.Project, store.Role(it.Role)))
	}
	return c.JSON(http.StatusOK, map[string]any{"projects": out, "total": total, "page": page, "per_page": perPage})
}

func (s *Server) apiProjectResponse(c echo.Context, status int, a *access) error {
	datasets, err := s.store.Datasets(c.Request().Context(), a.project.ID)
	if err != nil {
		return err
	}
	out := toAPIProject(a.project, a.role)
	out.Datasets = []apiDataset{}
	for _, d := range datasets {
		out.Datasets = append(out.Datasets, apiDataset{ID: d.ID, Name: d.Name, Source: d.Source, Categories: d.Categories,
			SpecialCategories: d.SpecialCategories, DataSubjects: d.DataSubjects, ApproxRecords: d.ApproxRecords, Retention: d.Retention})
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

// apply copies the given fields onto f and checks them like the web form does.
func (in projectInput) apply(f *store.ProjectFields) error {
	set := func(dst *string, src *string, field string, limit int) error {
		if src == nil {
			return nil
		}
		v := strings.TrimSpace(*src)
		if utf8.RuneCountInString(v) > limit {
			return apiErr(http.StatusUnprocessableEntity, fmt.Sprintf("%s: use at most %d characters", field, limit), field)
		}
		*dst = v
		return nil
	}
	if err := errors.Join(set(&f.Name, in.Name, "name", maxName), set(&f.Purpose, in.Purpose, "purpose", maxProse),
		set(&f.BaseModel, in.BaseModel, "base_model", maxName), set(&f.Deployment, in.Deployment, "deployment", maxProse)); err != nil {
		var he *httpError
		errors.As(err, &he)
		return he
	}
	if f.Name == "" {
		return apiErr(http.StatusUnprocessableEntity, "name is required", "name")
	}
	return nil
}

func (d apiDataset) fields(i int) (store.DatasetFields, error) {
	field := fmt.Sprintf("datasets[%d].", i)
	if strings.TrimSpace(d.Name) == "" {
		return store.DatasetFields{}, apiErr(http.StatusUnprocessableEntity, field+"name is required", field+"name")
	}
	if d.ApproxRecords < 0 {
		return store.DatasetFields{}, apiErr(http.StatusUnprocessableEntity, field+"approx_records must not be negative", field+"approx_records")
	}
	for name, v := range map[string]string{"name": d.Name, "source": d.Source, "data_subjects": d.DataSubjects, "retention": d.Retention} {
		if utf8.RuneCountInString(v) > maxName {
			return store.DatasetFields{}, apiErr(http.StatusUnprocessableEntity, fmt.Sprintf("%s%s: use at most %d characters", field, name, maxName), field+name)
		}
	}
	return store.DatasetFields{Name: strings.TrimSpace(d.Name), Source: d.Source, Categories: d.Categories, SpecialCategories: d.SpecialCategories,
		DataSubjects: d.DataSubjects, ApproxRecords: d.ApproxRecords, Retention: d.Retention}, nil
}

func (s *Server) apiCreateProject(c echo.Context) error {
	var in projectInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var f store.ProjectFields
	if err := in.apply(&f); err != nil {
		return err
	}
	var datasets []store.DatasetFields
	for i, d := range in.Datasets {
		df, err := d.fields(i)
		if err != nil {
			return err
		}
		datasets = append(datasets, df)
	}
	p, err := s.store.CreateProject(c.Request().Context(), authFrom(c).user.ID, f, datasets)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/projects/"+strconv.FormatInt(p.ID, 10))
	return s.apiProjectResponse(c, http.StatusCreated, &access{project: p, role: store.RoleOwner})
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
	onlyArchive := in.Name == nil && in.Purpose == nil && in.BaseModel == nil && in.Deployment == nil
	if (in.Archived != nil && !a.can(actManage)) || (!onlyArchive && !a.can(actEdit)) {
		if a.project.Archived() && !onlyArchive {
			return apiErr(http.StatusConflict, "the project is archived; restore it first", "archived")
		}
		return errForbidden
	}
	version := a.project.Version
	if m := strings.Trim(c.Request().Header.Get("If-Match"), `" `); m != "" && m != "*" {
		version, err = strconv.ParseInt(m, 10, 64)
		if err != nil {
			return apiErr(http.StatusBadRequest, "If-Match must be the project's version number", "")
		}
	}
	ctx := c.Request().Context()
	if !onlyArchive {
		f := store.ProjectFields{Name: a.project.Name, Purpose: a.project.Purpose, BaseModel: a.project.BaseModel, Deployment: a.project.Deployment}
		if err := in.apply(&f); err != nil {
			return err
		}
		if _, err := s.store.UpdateProject(ctx, a.project.ID, version, f); errors.Is(err, store.ErrConflict) {
			return c.JSON(http.StatusConflict, map[string]any{"error": "the project changed since version " + strconv.FormatInt(version, 10) + "; fetch it again and retry", "current_version": a.project.Version})
		} else if err != nil {
			return err
		}
		if reason := materialChange(a.project, f); reason != "" {
			if err := s.projectChanged(c, a.project, reason); err != nil {
				return err
			}
		}
	} else if version != a.project.Version {
		return c.JSON(http.StatusConflict, map[string]any{"error": "the project changed since version " + strconv.FormatInt(version, 10), "current_version": a.project.Version})
	}
	if in.Archived != nil && *in.Archived != a.project.Archived() {
		if err := s.store.SetProjectArchived(ctx, a.project.ID, *in.Archived); err != nil {
			return err
		}
		s.audit(c, "project.archive", store.AuditTarget("project", a.project.ID), map[string]any{"archived": *in.Archived})
	}
	if a.project, err = s.store.Project(ctx, a.project.ID); err != nil {
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
	if !store.Role(in.Role).Valid() {
		return apiErr(http.StatusUnprocessableEntity, "role must be one of owner, assessor, reviewer, viewer", "role")
	}
	ctx := c.Request().Context()
	u, err := s.store.UserByEmail(ctx, in.Email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled()) {
		return apiErr(http.StatusUnprocessableEntity, "no active account uses this email", "email")
	}
	if err != nil {
		return err
	}
	_, existing := s.store.Role(ctx, a.project.ID, u.ID)
	if err := s.store.SetMember(ctx, a.project.ID, u.ID, store.Role(in.Role)); errors.Is(err, store.ErrLastOwner) {
		return apiErr(http.StatusConflict, "the project needs an owner: make someone else owner first", "role")
	} else if err != nil {
		return err
	}
	status, action := http.StatusOK, store.AuditMemberRole
	if errors.Is(existing, store.ErrNotFound) {
		status, action = http.StatusCreated, store.AuditMemberAdd
	}
	s.audit(c, action, store.AuditTarget("project", a.project.ID), map[string]any{"user": u.Email, "role": in.Role})
	return s.apiMemberList(c, status, a.project.ID)
}
