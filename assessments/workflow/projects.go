package workflow

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// ProjectInput is what a user types about a project. Fields are trimmed before they are
// checked.
type ProjectInput struct {
	Name       string
	Purpose    string
	BaseModel  string
	Deployment string
}

// Check validates the input; field names are name, purpose, base_model, deployment.
func (in *ProjectInput) Check() Problems {
	in.Name, in.Purpose = strings.TrimSpace(in.Name), strings.TrimSpace(in.Purpose)
	in.BaseModel, in.Deployment = strings.TrimSpace(in.BaseModel), strings.TrimSpace(in.Deployment)
	p := Problems{}
	p.Require("name", in.Name, "Give the project a name.")
	p.CheckText("name", in.Name, MaxName)
	p.CheckText("base_model", in.BaseModel, MaxName)
	p.CheckText("purpose", in.Purpose, MaxProse)
	p.CheckText("deployment", in.Deployment, MaxProse)
	return p
}

func (in ProjectInput) fields() assessments.ProjectFields {
	return assessments.ProjectFields{Name: in.Name, Purpose: in.Purpose, BaseModel: in.BaseModel, Deployment: in.Deployment}
}

// CreateProject registers a project with its first datasets; the actor becomes its owner.
func (s *Service) CreateProject(ctx context.Context, who Actor, in ProjectInput, datasets []assessments.Dataset) (*assessments.Project, error) {
	if who.User == nil {
		return nil, ErrForbidden
	}
	p := in.Check()
	if len(datasets) > MaxDatasets {
		p.Add("datasets", "A project has at most "+strconv.Itoa(MaxDatasets)+" datasets.")
	} else {
		for i := range datasets {
			p.Merge(indexed("datasets", i), CheckDataset(&datasets[i]))
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.store.CreateProject(ctx, who.User.ID, in.fields(), datasets)
}

// ProjectChange is a change to a project: the fields that are set change. Version, when not 0,
// is the version the change was made on; a project saved by someone else since is refused
// with a ConflictError.
type ProjectChange struct {
	Name, Purpose, BaseModel, Deployment *string
	Archived                             *bool
	Version                              int64
}

func (c ProjectChange) onlyArchive() bool {
	return c.Name == nil && c.Purpose == nil && c.BaseModel == nil && c.Deployment == nil
}

// UpdateProject applies a change. Editing fields needs edit rights and an active project;
// archiving or restoring needs manage rights. A material change (base model, purpose,
// deployment) marks the approved assessment as needing re-assessment.
func (s *Service) UpdateProject(ctx context.Context, who Actor, projectID int64, c ProjectChange) (*assessments.Project, error) {
	a, err := s.Access(ctx, who, projectID, ActView)
	if err != nil {
		return nil, err
	}
	only := c.onlyArchive()
	if (c.Archived != nil && !a.Can(ActManage)) || (!only && !a.Can(ActEdit)) {
		if a.Project.Archived() && !only {
			return nil, &FrozenError{Reason: "The project is archived; restore it first."}
		}
		return nil, ErrForbidden
	}
	version := c.Version
	if version == 0 {
		version = a.Project.Version
	}
	conflict := &ConflictError{What: "the project changed since version " + strconv.FormatInt(version, 10) + "; fetch it again and retry",
		Current: a.Project.Version}
	if !only {
		in := ProjectInput{Name: a.Project.Name, Purpose: a.Project.Purpose, BaseModel: a.Project.BaseModel, Deployment: a.Project.Deployment}
		for _, f := range []struct{ dst, src *string }{{&in.Name, c.Name}, {&in.Purpose, c.Purpose}, {&in.BaseModel, c.BaseModel}, {&in.Deployment, c.Deployment}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		if err := in.Check().Err(); err != nil {
			return nil, err
		}
		_, err := s.store.UpdateProject(ctx, a.Project.ID, version, in.fields())
		if errors.Is(err, store.ErrConflict) {
			if cur, err := s.store.Project(ctx, a.Project.ID); err == nil {
				conflict.Current = cur.Version
			}
			return nil, conflict
		}
		if err != nil {
			return nil, err
		}
		if reason := materialChange(a.Project, in.fields()); reason != "" {
			if err := s.projectChanged(ctx, who, a.Project, reason); err != nil {
				return nil, err
			}
		}
	} else if version != a.Project.Version {
		return nil, conflict
	}
	if c.Archived != nil && *c.Archived != a.Project.Archived() {
		err := s.audited(ctx, who, "project.archive", store.AuditTarget("project", a.Project.ID), map[string]any{"archived": *c.Archived},
			func(st *store.Store) error { return st.SetProjectArchived(ctx, a.Project.ID, *c.Archived) })
		if err != nil {
			return nil, err
		}
	}
	return s.store.Project(ctx, a.Project.ID)
}

// ProjectPage is one page of the projects an actor may see.
type ProjectPage struct {
	Items   []assessments.ProjectListItem
	Total   int
	Page    int
	PerPage int
}

// ListProjects returns a page of projects, by name (or most recent first). page and perPage
// come as typed (query parameters): they are bounded, and refused when they are not numbers.
func (s *Service) ListProjects(ctx context.Context, who Actor, search string, archived, recentFirst bool, page, perPage string) (ProjectPage, error) {
	var out ProjectPage
	if who.User == nil {
		return out, ErrNotFound
	}
	var err error
	if out.Page, err = ParsePage(page); err != nil {
		return out, err
	}
	if out.PerPage, err = ParsePerPage(perPage); err != nil {
		return out, err
	}
	search = strings.TrimSpace(search)
	p := Problems{}
	p.CheckText("q", search, MaxName)
	if err := p.Err(); err != nil {
		return out, err
	}
	out.Items, out.Total, err = s.store.Projects(ctx, store.ProjectQuery{UserID: who.User.ID, All: who.User.IsAdmin, Search: search,
		Archived: archived, RecentFirst: recentFirst, Limit: out.PerPage, Offset: (out.Page - 1) * out.PerPage})
	return out, err
}
