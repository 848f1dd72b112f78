package assessments

import "time"

// VerifyResult says whether a report is genuine and, when this instance holds its revision,
// where it came from.
type VerifyResult struct {
	Kind      string // "Markdown" or "PDF"
	Valid     bool
	Problem   string
	Signer    string
	SignedAt  time.Time
	StateHash string
	// Known tells whether this instance has the revision; the rest is set when it does.
	Known        bool
	Project      string
	AssessmentID int64
	Cycle        int
	Revision     int
	Approved     bool
	ApprovedBy   string
	ApprovedAt   time.Time
}
