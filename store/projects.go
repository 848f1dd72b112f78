package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
)

const projectColumns = "id, name, purpose, base_model, deployment, archived_at, created_at, updated_at, version"

func scanProject(row interface{ Scan(...any) error }) (*assessments.Project, error) {
	var p assessments.Project
	err := row.Scan(&p.ID, &p.Name, &p.Purpose, &p.BaseModel, &p.Deployment, nullTimeCol{&p.ArchivedAt}, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}, &p.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: scan project: %w", err)
	}
	return &p, nil
}

// CreateProject adds a project, makes its creator the owner and adds the first datasets, all at once.
func (s *Store) CreateProject(ctx context.Context, owner int64, f assessments.ProjectFields, datasets []assessments.Dataset) (*assessments.Project, error) {
	var p *assessments.Project
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.stamp()
		var err error
		p, err = scanProject(tx.QueryRowContext(ctx, `INSERT INTO projects (name, purpose, base_model, deployment, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+projectColumns,
			f.Name, f.Purpose, f.BaseModel, f.Deployment, owner, now, now))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO members (project_id, user_id, role, added_at) VALUES (?, ?, 'owner', ?)",
			p.ID, owner, now); err != nil {
			return fmt.Errorf("store: add owner: %w", err)
		}
		for _, d := range datasets {
			if _, err := insertDataset(ctx, tx, p.ID, d, now); err != nil {
				return err
			}
		}
		return nil
	})
	return p, err
}

// Project returns a project by id.
func (s *Store) Project(ctx context.Context, id int64) (*assessments.Project, error) {
	return scanProject(s.read.QueryRowContext(ctx, "SELECT "+projectColumns+" FROM projects WHERE id = ?", id))
}

// UpdateProject changes a project's fields if it is still at version; ErrConflict otherwise.
func (s *Store) UpdateProject(ctx context.Context, id, version int64, f assessments.ProjectFields) (*assessments.Project, error) {
	var p *assessments.Project
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = scanProject(tx.QueryRowContext(ctx, `UPDATE projects SET name = ?, purpose = ?, base_model = ?, deployment = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND version = ? RETURNING `+projectColumns,
			f.Name, f.Purpose, f.BaseModel, f.Deployment, s.stamp(), id, version))
		if errors.Is(err, ErrNotFound) {
			return projectConflictOrMissing(ctx, tx, id)
		}
		return err
	})
	return p, err
}

func projectConflictOrMissing(ctx context.Context, tx *sql.Tx, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM projects WHERE id = ?", id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return ErrConflict
}

// SetProjectArchived archives or restores a project.
func (s *Store) SetProjectArchived(ctx context.Context, id int64, archived bool) error {
	var at any
	if archived {
		at = s.stamp()
	}
	res, err := s.write.ExecContext(ctx, "UPDATE projects SET archived_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
		at, s.stamp(), id)
	if err != nil {
		return fmt.Errorf("store: archive project: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ProjectQuery selects a page of the projects a user may see.
type ProjectQuery struct {
	UserID   int64 // only projects the user is a member of, unless All
	All      bool  // admins see every project
	Search   string
	Archived bool // list archived projects instead of active ones
	// RecentFirst orders by last change instead of by name.
	RecentFirst bool
	Limit       int
	Offset      int
}

// Projects returns one page of matching projects, by name, and how many match in all.
func (s *Store) Projects(ctx context.Context, q ProjectQuery) ([]assessments.ProjectListItem, int, error) {
	r, err := cached(s.cacheFor(), cacheKey("Projects", q), func() (counted[assessments.ProjectListItem], error) {
		items, total, err := s.projects(ctx, q)
		return counted[assessments.ProjectListItem]{items, total}, err
	})
	if err != nil {
		return nil, 0, err
	}
	return r.copy()
}

func (s *Store) projects(ctx context.Context, q ProjectQuery) ([]assessments.ProjectListItem, int, error) {
	where := []string{"p.archived_at IS NULL"}
	if q.Archived {
		where[0] = "p.archived_at IS NOT NULL"
	}
	args := []any{q.UserID}
	if !q.All {
		where = append(where, "m.user_id IS NOT NULL")
	}
	if term := strings.TrimSpace(q.Search); term != "" {
		like := "%" + escapeLike(term) + "%"
		where = append(where, `(p.name LIKE ? ESCAPE '\' OR p.purpose LIKE ? ESCAPE '\' OR p.base_model LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	// A member's list starts from their memberships (an inner join the planner can drive from
	// members_user) instead of checking every project of the instance.
	// The join order is forced (CROSS JOIN): left to itself, the planner walks the whole
	// instance's projects in name order and looks up the membership of each.
	from := ` FROM projects p LEFT JOIN members m ON m.project_id = p.id AND m.user_id = ? WHERE ` + strings.Join(where, " AND ")
	if !q.All {
		from = ` FROM members m CROSS JOIN projects p ON p.id = m.project_id WHERE m.user_id = ? AND ` + strings.Join(where, " AND ")
	}
	var total int
	var err error
	switch {
	case q.All && strings.TrimSpace(q.Search) == "":
		// An administrator's unfiltered list: the count is kept (counters.go).
		name := "projects.active"
		if q.Archived {
			name = "projects.archived"
		}
		total, err = s.counter(ctx, name)
	default:
		err = s.read.QueryRowContext(ctx, "SELECT count(*)"+from, args...).Scan(&total)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: count projects: %w", err)
	}
	if q.Limit <= 0 {
		q.Limit = 20
	}
	order := "p.name COLLATE NOCASE, p.id"
	if q.RecentFirst {
		order = "p.updated_at DESC, p.id DESC"
	}
	// The page's ids are chosen first: SQLite computes the select list of every row before
	// sorting, so the per-project counts would otherwise run for every project in the list.
	rows, err := s.read.QueryContext(ctx, `SELECT p.id, p.name, p.purpose, p.base_model, p.deployment, p.archived_at,
		p.created_at, p.updated_at, p.version, pg.role,
		(SELECT count(*) FROM datasets d WHERE d.project_id = p.id),
		(SELECT count(*) FROM members mm WHERE mm.project_id = p.id),
		coalesce((SELECT a.status FROM assessments a WHERE a.project_id = p.id ORDER BY a.cycle DESC LIMIT 1), ''),
		coalesce((SELECT a.next_review_at FROM assessments a WHERE a.project_id = p.id ORDER BY a.cycle DESC LIMIT 1), ''),
		coalesce((SELECT a.reassessment_reason IS NOT NULL AND a.reassessment_reason <> '' FROM assessments a WHERE a.project_id = p.id ORDER BY a.cycle DESC LIMIT 1), 0)
		FROM (SELECT p.id AS id, coalesce(m.role, '') AS role`+from+` ORDER BY `+order+` LIMIT ? OFFSET ?) pg
		CROSS JOIN projects p ON p.id = pg.id ORDER BY `+order, append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: projects: %w", err)
	}
	defer rows.Close()
	var items []assessments.ProjectListItem
	for rows.Next() {
		var it assessments.ProjectListItem
		if err := rows.Scan(&it.ID, &it.Name, &it.Purpose, &it.BaseModel, &it.Deployment, nullTimeCol{&it.ArchivedAt}, timeCol{&it.CreatedAt}, timeCol{&it.UpdatedAt},
			&it.Version, &it.Role, &it.Datasets, &it.Members, &it.PIAStatus, &it.NextReview, &it.ReassessmentRequired); err != nil {
			return nil, 0, fmt.Errorf("store: scan project: %w", err)
		}
		items = append(items, it)
	}
	return items, total, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
