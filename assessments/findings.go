package assessments

import (
	"maps"
	"slices"
	"strings"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// FindingStatus is where a finding stands.
type FindingStatus string

// Finding statuses.
const (
	FindingOpen          FindingStatus = "open"
	FindingMitigated     FindingStatus = "mitigated"
	FindingAccepted      FindingStatus = "accepted"
	FindingNotApplicable FindingStatus = "not_applicable"
)

// FindingStatuses lists them in order.
var FindingStatuses = []FindingStatus{FindingOpen, FindingMitigated, FindingAccepted, FindingNotApplicable}

// Label is the status in words.
func (s FindingStatus) Label() string {
	switch s {
	case FindingOpen:
		return "Open"
	case FindingMitigated:
		return "Mitigated"
	case FindingAccepted:
		return "Accepted"
	case FindingNotApplicable:
		return "Not applicable"
	}
	return string(s)
}

// Finding is a privacy risk of the assessment, raised by a rule or added by hand.
type Finding struct {
	ID          string         `json:"id"`             // "rule:<key>" for rule findings, "f<n>" for manual ones
	Rule        string         `json:"rule,omitempty"` // the rule that raised it
	Title       string         `json:"title"`
	Description string         `json:"description"` // Markdown
	Category    string         `json:"category"`    // a section key
	Likelihood  Scale          `json:"likelihood"`  // inherent
	Severity    Scale          `json:"severity"`
	Residual    Residual       `json:"residual"`
	Status      FindingStatus  `json:"status"`
	Inputs      map[string]any `json:"inputs,omitempty"` // the answers, evidence figures and policy limits that raised it
	// ResolvedByAnswers marks a rule finding whose rule no longer fires but that was worked on,
	// so it is kept for the record rather than deleted.
	ResolvedByAnswers bool        `json:"resolved_by_answers,omitempty"`
	Acceptance        *Acceptance `json:"acceptance,omitempty"`
	Mitigations       []string    `json:"mitigations,omitempty"` // ids of linked mitigations
}

// Residual is the risk left after mitigation, as the assessor judges it; zero when not set.
type Residual struct {
	Likelihood Scale `json:"likelihood,omitempty"`
	Severity   Scale `json:"severity,omitempty"`
}

// Set tells whether a residual risk was given.
func (r Residual) Set() bool { return r.Likelihood.Valid() && r.Severity.Valid() }

// Acceptance records a reviewer taking on a residual risk.
type Acceptance struct {
	By            int64  `json:"by"`
	ByEmail       string `json:"by_email"`
	ByName        string `json:"by_name,omitempty"` // display name; empty on acceptances recorded before names were kept
	At            string `json:"at"`                // RFC 3339
	Justification string `json:"justification"`
	Expires       string `json:"expires"` // YYYY-MM-DD
}

// Manual tells whether a person added the finding.
func (f *Finding) Manual() bool { return f.Rule == "" }

// InherentLevel is the level before mitigation.
func (f *Finding) InherentLevel() Level { return RiskLevel(f.Likelihood, f.Severity) }

// ResidualLevel is the level after mitigation: the residual pair when set, else the inherent one.
func (f *Finding) ResidualLevel() Level {
	if f.Residual.Set() {
		return RiskLevel(f.Residual.Likelihood, f.Residual.Severity)
	}
	return f.InherentLevel()
}

// Live tells whether the finding still counts: not resolved by answers and applicable.
func (f *Finding) Live() bool { return !f.ResolvedByAnswers && f.Status != FindingNotApplicable }

// workedOn tells whether someone did something with the finding that must not be lost when its
// rule stops firing.
func (f *Finding) workedOn() bool {
	return len(f.Mitigations) > 0 || f.Acceptance != nil || f.Residual.Set() || f.Status != FindingOpen
}

// MitigationStatus is how far a linked mitigation is.
type MitigationStatus string

// Mitigation statuses.
const (
	MitigationPlanned     MitigationStatus = "planned"
	MitigationInProgress  MitigationStatus = "in_progress"
	MitigationImplemented MitigationStatus = "implemented"
	MitigationVerified    MitigationStatus = "verified"
)

// MitigationStatuses lists them in order.
var MitigationStatuses = []MitigationStatus{MitigationPlanned, MitigationInProgress, MitigationImplemented, MitigationVerified}

// Label is the status in words.
func (s MitigationStatus) Label() string {
	switch s {
	case MitigationPlanned:
		return "Planned"
	case MitigationInProgress:
		return "In progress"
	case MitigationImplemented:
		return "Implemented"
	case MitigationVerified:
		return "Verified"
	}
	return string(s)
}

// Mitigation is a measure the team takes, from the catalogue or its own, linked to findings.
type Mitigation struct {
	ID        string           `json:"id"`                  // "m<n>"
	Catalogue string           `json:"catalogue,omitempty"` // catalogue key; empty for custom ones
	Title     string           `json:"title"`
	Owner     int64            `json:"owner,omitempty"` // a project member's user id
	Due       string           `json:"due,omitempty"`   // YYYY-MM-DD
	Status    MitigationStatus `json:"status"`
	Evidence  string           `json:"evidence,omitempty"` // Markdown notes
}

func ruleFindingID(rule string) string { return "rule:" + rule }

// Reconcile brings the rule findings in line with the answers: rules that fire get a finding (or
// their finding is refreshed), findings of rules that stopped firing are removed, unless someone
// worked on them, in which case they are kept and marked resolved by answers. An acceptance is
// withdrawn when the answers behind its finding change, since it was given for other facts.
// Rules on evidence compare with the default policy; ReconcilePolicy takes the organisation's.
func Reconcile(def *questionnaire.Definition, s State) State {
	return ReconcilePolicy(def, s, DefaultPolicy())
}

// ReconcilePolicy is Reconcile with the policy limits that rules on evidence compare with. Call
// it again whenever the answers, the evidence or the policy change.
func ReconcilePolicy(def *questionnaire.Definition, s State, p Policy) State {
	next := s.clone()
	raised := map[string]questionnaire.Raised{}
	facts := questionnaire.Facts{Answers: questionnaire.Answers(s.Answers), Evidence: EvidenceFigures(s), Limits: p.Limits()}
	for _, r := range def.EvaluateFacts(facts) {
		raised[ruleFindingID(r.Rule.Key)] = r
	}
	for id, r := range raised {
		f, ok := next.Findings[id]
		if !ok {
			next.Findings[id] = &Finding{ID: id, Rule: r.Rule.Key, Title: r.Rule.Title, Description: r.Rule.Description,
				Category: r.Rule.Category, Likelihood: Scale(r.Rule.Likelihood), Severity: Scale(r.Rule.Severity),
				Status: FindingOpen, Inputs: r.Inputs}
			continue
		}
		g := *f
		if !sameAnswer(g.Inputs, r.Inputs) {
			g.Inputs = r.Inputs
			if g.Acceptance != nil {
				g.Acceptance = nil
				if g.Status == FindingAccepted {
					g.Status = FindingOpen
				}
			}
		}
		g.ResolvedByAnswers = false
		next.Findings[id] = &g
	}
	for id, f := range next.Findings {
		if f.Manual() {
			continue
		}
		if _, ok := raised[id]; ok {
			continue
		}
		if !f.workedOn() {
			delete(next.Findings, id)
			continue
		}
		if !f.ResolvedByAnswers {
			g := *f
			g.ResolvedByAnswers = true
			next.Findings[id] = &g
		}
	}
	return next
}

// SortedFindings returns the findings by category order of the questionnaire, then by falling
// residual level, then title.
func SortedFindings(def *questionnaire.Definition, s State) []*Finding {
	order := map[string]int{}
	for i, sec := range def.Sections {
		order[sec.Key] = i
	}
	list := slices.Collect(maps.Values(s.Findings))
	slices.SortFunc(list, func(a, b *Finding) int {
		if a.Live() != b.Live() {
			if a.Live() {
				return -1
			}
			return 1
		}
		if d := b.ResidualLevel() - a.ResidualLevel(); d != 0 {
			return int(d)
		}
		if d := order[a.Category] - order[b.Category]; d != 0 {
			return d
		}
		return strings.Compare(a.Title, b.Title)
	})
	return list
}

// Blockers are the live findings that keep an assessment from review: a significant or maximum
// residual risk that is open with no mitigation linked and no acceptance.
func Blockers(s State) []*Finding {
	var out []*Finding
	for _, f := range s.Findings {
		if f.Live() && f.ResidualLevel().High() && f.Status == FindingOpen && len(f.Mitigations) == 0 && f.Acceptance == nil {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *Finding) int { return strings.Compare(a.Title, b.Title) })
	return out
}
