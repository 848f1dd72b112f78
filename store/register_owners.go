package store

import (
	"context"
	"fmt"
)

// Person is someone shown by name, with the email kept for a tooltip or a profile.
type Person struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Display is the name, or the email when no name was given.
func (p Person) Display() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// MitigationOwners lists the people who own a mitigation in the latest cycles in scope, by
// name, at most limit (1 to MaxPage): the choices of the register's owner filter.
func (s *Store) MitigationOwners(ctx context.Context, sc Scope, limit int) ([]Person, error) {
	where, args := sc.where()
	rows, err := s.read.QueryContext(ctx, `SELECT u.id, u.name, u.email FROM users u WHERE u.id IN (SELECT mi.owner_id
		FROM mitigations mi JOIN assessments a ON a.id = mi.assessment_id`+where+` AND mi.owner_id IS NOT NULL)
		ORDER BY coalesce(nullif(u.name, ''), u.email), u.id LIMIT ?`, append(args, clampLimit(limit))...)
	if err != nil {
		return nil, fmt.Errorf("store: mitigation owners: %w", err)
	}
	defer rows.Close()
	out := []Person{}
	for rows.Next() {
		var p Person
		if err := rows.Scan(&p.ID, &p.Name, &p.Email); err != nil {
			return nil, fmt.Errorf("store: scan owner: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
