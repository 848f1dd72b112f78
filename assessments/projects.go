package assessments

import "time"

// Projects and their datasets, as the store keeps them.

// Project is one fine-tuning effort.
type Project struct {
	ID         int64
	Name       string
	Purpose    string
	BaseModel  string
	Deployment string
	ArchivedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Archived tells whether the project was archived.
func (p *Project) Archived() bool { return p.ArchivedAt != nil }

// ProjectFields are the fields a user edits.
type ProjectFields struct {
	Name       string
	Purpose    string
	BaseModel  string
	Deployment string
}

// ProjectListItem is a row of the project list: the project and the viewer's role in it.
type ProjectListItem struct {
	Project
	Role     string // empty when the viewer is an admin but no member
	Datasets int
	Members  int
	// The latest assessment cycle's status and next review date; empty without one.
	PIAStatus  string
	NextReview string
	// ReassessmentRequired is set when the project changed since its approval.
	ReassessmentRequired bool
}

// DatasetRecord is a project's dataset as stored: the one Dataset type with its ids.
type DatasetRecord struct {
	ID        int64
	ProjectID int64
	Dataset
}
