package assessments

import (
	"fmt"
	"time"
)

// What the instance keeps beside assessments: the audit log, webhooks and their deliveries,
// pipeline checks, and the dashboard's lists.

// AuditEntry is one entry of the log as stored.
type AuditEntry struct {
	Seq        int64
	At         time.Time
	ActorID    int64 // 0: nobody signed in
	ActorEmail string
	ClientAddr string
	Action     string
	Target     string
	Details    map[string]any // numbers are json.Number
	PrevHash   string
	Hash       string
}

// AuditReport is the outcome of walking the chain.
type AuditReport struct {
	Entries  int64         // entries found intact, from #1 on
	HeadSeq  int64         // the last intact entry; 0 when the log is empty
	HeadHash string        // its hash (64 zeros when the log is empty)
	Bad      *AuditProblem // the first bad entry; nil when the chain is intact
}

// AuditProblem is the first entry where the chain breaks.
type AuditProblem struct {
	Seq    int64
	Reason string
}

func (p *AuditProblem) String() string { return fmt.Sprintf("entry #%d %s", p.Seq, p.Reason) }

// Webhook is an endpoint that receives reminders, for one project or the whole instance.
type Webhook struct {
	ID        int64
	ProjectID int64 // zero: the whole instance
	URL       string
	Secret    string
	Active    bool
	CreatedAt time.Time
}

// WebhookDelivery is one attempt to deliver to a webhook.
type WebhookDelivery struct {
	ID        int64 // increases with every attempt logged; the key the deliveries are paged by
	OutboxKey string
	Attempt   int
	Status    int
	Error     string
	Duration  time.Duration
	At        time.Time
}

// GateReason is one reason a gate refused a run: a stable code and a sentence.
type GateReason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// GateCheck is one recorded gate decision.
type GateCheck struct {
	ID             int64
	ProjectID      int64
	AssessmentID   int64 // zero when there was no approved assessment
	ManifestDigest string
	Allowed        bool
	Reasons        []GateReason
	TokenID        int64
	TokenName      string
	UserID         int64
	UserName       string
	At             time.Time
}

// OpenRisk is a live, open finding at significant or maximum residual level.
type OpenRisk struct {
	ProjectID    int64
	ProjectName  string
	AssessmentID int64
	FindingID    string
	Title        string
	Level        int
}

// DueMitigation is a linked mitigation not done by its due date.
type DueMitigation struct {
	ProjectID    int64
	ProjectName  string
	AssessmentID int64
	MitigationID string
	Title        string
	OwnerEmail   string
	OwnerName    string // empty when the owner has no name
	Due          string
	Status       string
}
