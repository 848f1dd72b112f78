// Package report turns one revision of an assessment into a report: Markdown as the source a
// person can read as plain text, and a PDF drawn from the same structure.
package report

import (
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// Report is everything a report shows, gathered by the caller from the store. It is plain data
// so that rendering is a pure function of it (and golden tests can pin the output).
type Report struct {
	GeneratedAt time.Time
	Instance    string // the piaf instance's base URL, to say where the report came from

	Project  Project
	Datasets []Dataset

	Questionnaire *questionnaire.Definition
	Assessment    Assessment
	State         assessments.State // the state at Assessment.Revision

	Reviews  []Review
	Comments []Comment // open and resolved comments, oldest first

	// Owners maps user ids (mitigation owners) to display names.
	Owners map[int64]string
	// NextReview is when the assessment must be looked at again; zero if not set.
	NextReview time.Time
	// Policy is the organisation's policy when the report was generated, for the limits the
	// evidence charts show; nil means the default policy.
	Policy *assessments.Policy
	// Tracking is set on a report of the approved revision only: the mitigations' tracking
	// since approval, shown apart from the approved content.
	Tracking *Tracking
}

// Project is the fine-tuning project the assessment belongs to.
type Project struct {
	ID         int64
	Name       string
	Purpose    string
	BaseModel  string
	Deployment string
	Members    []Member
}

// Member is a project member and role.
type Member struct {
	Name  string
	Email string
	Role  string
}

// Dataset is one training dataset.
type Dataset = assessments.Dataset

// Assessment identifies the revision reported on.
type Assessment struct {
	ID        int64
	Cycle     int
	Revision  int
	StateHash string // SHA-256 of the canonical state at Revision
	Status    assessments.Status
	// Approved tells whether this revision is the one a reviewer approved. A report of any other
	// revision is a draft and says so on every page.
	Approved  bool
	UpdatedAt time.Time
}

// Review is a submission or decision.
type Review struct {
	Kind      string // "submit", "approve", "request_changes"
	By        string
	At        time.Time
	Revision  int
	StateHash string
	Comment   string
}

// Comment is a reviewer's or assessor's comment on a question or finding.
type Comment struct {
	Target     string // the question's label or the finding's title
	By         string
	At         time.Time
	Body       string
	ResolvedBy string // empty while open
}

// Draft tells whether the report must be marked DRAFT.
func (r *Report) Draft() bool { return !r.Assessment.Approved }

// Tracking is how an approved revision's mitigations moved on after approval, as recorded when
// the report was generated. It sits beside the approved content and is not covered by its hash.
type Tracking struct {
	// Through is the sequence number of the last tracking record shown (0: none yet), At when
	// it was recorded.
	Through int       `json:"through"`
	At      time.Time `json:"at"`
	// Moved lists the mitigations whose tracking changed since approval, by due date.
	Moved []TrackedMitigation `json:"moved"`
}

// TrackedMitigation is one mitigation as approved and as tracked now.
type TrackedMitigation struct {
	AsApproved *assessments.Mitigation `json:"as_approved"`
	Current    *assessments.Mitigation `json:"current"`
	Changes    int                     `json:"changes"`    // how many tracking records moved it
	ChangedBy  string                  `json:"changed_by"` // display name of who recorded the last of them
	ChangedAt  time.Time               `json:"changed_at"` // and when
}
