package assessments

import "time"

// An assessment as stored, its revisions, review events, comments, notifications and report
// exports.

// Assessment is one questionnaire version applied to one project, in one cycle.
type Assessment struct {
	ID                   int64
	ProjectID            int64
	Cycle                int
	QuestionnaireKey     string
	QuestionnaireVersion int
	Status               Status
	Revision             int
	State                State
	StateHash            string
	CreatedAt            time.Time
	UpdatedAt            time.Time
	ApprovedAt           *time.Time
	NextReviewAt         string // YYYY-MM-DD; set on approval
	// ReassessmentReason says why the project changed since approval, empty when it did not.
	ReassessmentReason string
	ReassessmentSince  *time.Time
}

// Answers are the current answers.
func (a *Assessment) Answers() map[string]any { return a.State.Answers }

// Revision is one appended change of an assessment.
type Revision struct {
	Number      int
	Parent      int // zero for the first
	AuthorID    int64
	AuthorEmail string
	AuthorName  string // empty when the account has no name
	CreatedAt   time.Time
	Summary     string
	Change      Change
	StateHash   string
}

// ReviewKind is what a review event records.
type ReviewKind string

// Review events.
const (
	ReviewSubmit         ReviewKind = "submit"
	ReviewApprove        ReviewKind = "approve"
	ReviewRequestChanges ReviewKind = "request_changes"
)

// ReviewEvent is a submission or a reviewer's decision, bound to the revision and state hash it
// was made on.
type ReviewEvent struct {
	ID        int64
	Kind      ReviewKind
	UserID    int64
	UserEmail string
	UserName  string // the account's name now, empty when it has none (or is gone)
	Revision  int
	StateHash string
	Comment   string
	CreatedAt time.Time
}

// Notification is an in-app message for one user.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string
	Title     string
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// Comment is a remark on one question or finding of an assessment.
type Comment struct {
	ID            int64
	AssessmentID  int64
	TargetKind    string // "question" or "finding"
	TargetKey     string
	AuthorID      int64
	AuthorEmail   string
	AuthorName    string // the account's name now, empty when it has none (or is gone)
	Body          string
	Revision      int
	CreatedAt     time.Time
	ResolvedEmail string
	ResolvedName  string // the resolver's account name now, empty when it has none (or is gone)
	ResolvedAt    *time.Time
}

// Export records one report that left piaf.
type Export struct {
	ID           int64
	AssessmentID int64
	Revision     int
	StateHash    string
	Format       string // "md", "md.sig", "pdf", "json"
	SHA256       string
	Size         int64
	// Tracking is the last mitigation tracking record the report showed beside the approved
	// content (its Seq); 0 when it showed none.
	Tracking  int
	UserEmail string
	UserName  string // the account's name now, in Exports; empty when it has none
	CreatedAt time.Time
}

// QuestionnaireSource is a stored questionnaire version: its YAML exactly as loaded.
type QuestionnaireSource struct {
	Key        string
	Version    int
	Title      string
	Source     []byte
	Builtin    bool
	ImportedBy int64 // zero for built-ins
	ImportedAt time.Time
}
