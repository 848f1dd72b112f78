// Package assessments is piaf's domain: the state of an assessment and how it changes. Its
// subpackages hold the questionnaire engine, the mitigation catalogue and Markdown rendering.
// Nothing here knows about HTTP or SQL.
package assessments

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// Status is where an assessment is in its review.
type Status string

// The statuses of an assessment.
const (
	Draft            Status = "draft"
	InReview         Status = "in_review"
	ChangesRequested Status = "changes_requested"
	Approved         Status = "approved"
)

// Label is the status in words.
func (s Status) Label() string {
	switch s {
	case Draft:
		return "Draft"
	case InReview:
		return "In review"
	case ChangesRequested:
		return "Changes requested"
	case Approved:
		return "Approved"
	}
	return string(s)
}

// Editable tells whether answers may change in this status.
func (s Status) Editable() bool { return s == Draft || s == ChangesRequested }

// State is everything an assessment is at one revision. Its canonical JSON is what revisions
// hash: encoding/json writes struct fields in order and map keys sorted, so equal states give
// equal bytes.
type State struct {
	Questionnaire        string                 `json:"questionnaire"`
	QuestionnaireVersion int                    `json:"questionnaire_version"`
	Status               Status                 `json:"status"`
	Answers              map[string]any         `json:"answers"`
	Findings             map[string]*Finding    `json:"findings"`
	Mitigations          map[string]*Mitigation `json:"mitigations"`
	// Seq numbers manual findings and mitigations, so an id is never used twice.
	Seq          int          `json:"seq"`
	Consultation Consultation `json:"consultation"`
	// Project is the project as it was described when the assessment was last submitted or
	// decided on, so that what a reviewer approved, and its hash, covers the project's purpose,
	// base model, deployment, datasets and team too.
	Project *ProjectSnapshot `json:"project,omitempty"`
	// Evidence holds the evidence records by id. It is left out of the JSON when empty, so states
	// without evidence hash as they did before evidence existed.
	Evidence map[string]*Evidence `json:"evidence,omitempty"`
}

// ProjectSnapshot is a project's description at one moment.
type ProjectSnapshot struct {
	Name       string           `json:"name"`
	Purpose    string           `json:"purpose"`
	BaseModel  string           `json:"base_model"`
	Deployment string           `json:"deployment"`
	Datasets   []Dataset        `json:"datasets"`
	Members    []MemberSnapshot `json:"members"`
}

// Dataset is one source of training data of a project: the one dataset type that the store,
// revisions (ProjectSnapshot), reports and the API share. Its JSON names are the API's and the
// revision document's.
type Dataset struct {
	Name              string `json:"name"`
	Source            string `json:"source"`
	Categories        string `json:"categories"`
	SpecialCategories bool   `json:"special_categories"`
	DataSubjects      string `json:"data_subjects"`
	ApproxRecords     int64  `json:"approx_records"`
	Retention         string `json:"retention"`
}

// MemberSnapshot is one member of a ProjectSnapshot.
type MemberSnapshot struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Consultation records, as the CNIL's PIA method asks, the privacy officer's opinion and whether
// the views of the people affected were sought, what they were, or why they were not sought.
type Consultation struct {
	DPOOpinion  string `json:"dpo_opinion,omitempty"`  // Markdown
	ViewsSought string `json:"views_sought,omitempty"` // "yes", "no" or empty
	Views       string `json:"views,omitempty"`        // Markdown: the views, or why they were not sought
	// Who gave the opinion and recorded the consultation, when, on which revision (see GiveOpinion).
	// Empty on consultations recorded before attribution, so their hashes stay as they were.
	GivenBy     int64  `json:"given_by,omitempty"`
	GivenByName string `json:"given_by_name,omitempty"`
	GivenAt     string `json:"given_at,omitempty"` // RFC 3339
	OnRevision  int    `json:"on_revision,omitempty"`
}

// clone copies the state deeply enough that changing the copy's maps and their entries' top-level
// fields leaves s alone.
func (s State) clone() State {
	next := s
	next.Answers = maps.Clone(s.Answers)
	next.Findings = maps.Clone(s.Findings)
	next.Mitigations = maps.Clone(s.Mitigations)
	next.Evidence = maps.Clone(s.Evidence)
	if next.Evidence == nil {
		next.Evidence = map[string]*Evidence{}
	}
	if next.Answers == nil {
		next.Answers = map[string]any{}
	}
	if next.Findings == nil {
		next.Findings = map[string]*Finding{}
	}
	if next.Mitigations == nil {
		next.Mitigations = map[string]*Mitigation{}
	}
	return next
}

// NextID returns a new id with the prefix ("f" for findings, "m" for mitigations) and the state
// that has used it up.
func (s State) NextID(prefix string) (string, State) {
	next := s.clone()
	next.Seq++
	return prefix + strconv.Itoa(next.Seq), next
}

// Canonical is the state as canonical JSON.
func (s State) Canonical() []byte {
	s = s.clone()
	b, err := json.Marshal(s)
	if err != nil {
		// Answers hold only strings, numbers and string lists; anything else is a bug.
		panic(fmt.Sprintf("assessments: state does not marshal: %v", err))
	}
	return b
}

// Hash is the SHA-256 of the canonical JSON, in hex.
func (s State) Hash() string {
	_, h := s.CanonicalHash()
	return h
}

// CanonicalHash is the canonical JSON and its hash, for callers that store both: encoding the
// state is most of the cost of hashing it.
func (s State) CanonicalHash() ([]byte, string) {
	b := s.Canonical()
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// Change is what one revision changes: the answers, findings and mitigations it sets, each
// whole; nil removes one (clears an answer).
type Change struct {
	// Questionnaire and its version are set by the first revision only.
	Questionnaire        string                 `json:"questionnaire,omitempty"`
	QuestionnaireVersion int                    `json:"questionnaire_version,omitempty"`
	Answers              map[string]any         `json:"answers,omitempty"`
	Findings             map[string]*Finding    `json:"findings,omitempty"`
	Mitigations          map[string]*Mitigation `json:"mitigations,omitempty"`
	Status               Status                 `json:"status,omitempty"`
	Seq                  int                    `json:"seq,omitempty"`
	Consultation         *Consultation          `json:"consultation,omitempty"`
	Project              *ProjectSnapshot       `json:"project,omitempty"`
	Evidence             map[string]*Evidence   `json:"evidence,omitempty"`
}

// Empty tells whether the change changes nothing.
func (c Change) Empty() bool {
	return c.Questionnaire == "" && c.QuestionnaireVersion == 0 && len(c.Answers) == 0 && len(c.Findings) == 0 && len(c.Mitigations) == 0 && c.Status == "" && c.Seq == 0 && c.Consultation == nil && c.Project == nil && len(c.Evidence) == 0
}

// Apply returns the state after the change; s itself is not modified.
func (s State) Apply(c Change) State {
	next := s.clone()
	if c.Questionnaire != "" {
		next.Questionnaire, next.QuestionnaireVersion = c.Questionnaire, c.QuestionnaireVersion
	}
	for k, v := range c.Answers {
		if v == nil {
			delete(next.Answers, k)
		} else {
			next.Answers[k] = v
		}
	}
	for k, f := range c.Findings {
		if f == nil {
			delete(next.Findings, k)
		} else {
			next.Findings[k] = f
		}
	}
	for k, m := range c.Mitigations {
		if m == nil {
			delete(next.Mitigations, k)
		} else {
			next.Mitigations[k] = m
		}
	}
	for k, e := range c.Evidence {
		if e == nil {
			delete(next.Evidence, k)
		} else {
			next.Evidence[k] = e
		}
	}
	if c.Status != "" {
		next.Status = c.Status
	}
	if c.Seq != 0 {
		next.Seq = c.Seq
	}
	if c.Consultation != nil {
		next.Consultation = *c.Consultation
	}
	if c.Project != nil {
		next.Project = c.Project
	}
	return next
}

// Diff is the change that turns from into to: Apply(from, Diff(from, to)) equals to.
func Diff(from, to State) Change {
	c := Change{Answers: AnswerChanges(from.Answers, to.Answers)}
	if from.Questionnaire != to.Questionnaire || from.QuestionnaireVersion != to.QuestionnaireVersion {
		c.Questionnaire, c.QuestionnaireVersion = to.Questionnaire, to.QuestionnaireVersion
	}
	for k := range from.Answers {
		if _, ok := to.Answers[k]; !ok {
			c.Answers[k] = nil
		}
	}
	c.Findings = diffMap(from.Findings, to.Findings)
	c.Mitigations = diffMap(from.Mitigations, to.Mitigations)
	c.Evidence = diffMap(from.Evidence, to.Evidence)
	if from.Status != to.Status {
		c.Status = to.Status
	}
	if from.Seq != to.Seq {
		c.Seq = to.Seq
	}
	if from.Consultation != to.Consultation {
		cons := to.Consultation
		c.Consultation = &cons
	}
	if to.Project != nil && !sameAnswer(from.Project, to.Project) {
		c.Project = to.Project
	}
	if len(c.Answers) == 0 {
		c.Answers = nil
	}
	return c
}

func diffMap[T any](from, to map[string]*T) map[string]*T {
	out := map[string]*T{}
	for k, v := range to {
		if old, ok := from[k]; !ok || !sameAnswer(old, v) {
			out[k] = v
		}
	}
	for k := range from {
		if _, ok := to[k]; !ok {
			out[k] = nil
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// AnswerChanges keeps only the answers in proposed that differ from current, so saving a form
// where one field changed records one change.
func AnswerChanges(current map[string]any, proposed map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range proposed {
		old, had := current[k]
		switch {
		case v == nil && !had:
		case v != nil && had && sameAnswer(old, v):
		default:
			out[k] = v
		}
	}
	return out
}

// SameAnswer tells whether two answers are equal; nil is no answer.
func SameAnswer(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return sameAnswer(a, b)
}

// sameAnswer compares answers after a JSON round trip, where []string becomes []any and numbers
// are float64. The common cases (equal strings, the same entry, maps of such) are decided
// without encoding; whatever they cannot decide for certain is compared as JSON.
func sameAnswer(a, b any) bool {
	if same, sure := quickSame(a, b); sure {
		return same
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// quickSame compares a and b when that is cheap and certain to agree with their JSON; sure is
// false otherwise.
func quickSame(a, b any) (same, sure bool) {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			if x == y {
				return true, true
			}
			// Invalid UTF-8 is replaced when encoded, so two different invalid strings
			// may encode alike.
			return false, utf8.ValidString(x) && utf8.ValidString(y)
		}
	case float64:
		if y, ok := b.(float64); ok && x != 0 && !math.IsNaN(x) && !math.IsNaN(y) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
			return x == y, true
		}
	case bool:
		if y, ok := b.(bool); ok {
			return x == y, true
		}
	case *Finding:
		if y, ok := b.(*Finding); ok && x == y {
			return true, true
		}
	case *Mitigation:
		if y, ok := b.(*Mitigation); ok && x == y {
			return true, true
		}
	case *Evidence:
		if y, ok := b.(*Evidence); ok && x == y {
			return true, true
		}
	case *ProjectSnapshot:
		if y, ok := b.(*ProjectSnapshot); ok && x == y {
			return true, true
		}
	case map[string]any:
		// Equal when every entry is certainly equal; anything else is left to the JSON.
		if y, ok := b.(map[string]any); ok && len(x) == len(y) && x != nil && y != nil {
			for k, v := range x {
				w, ok := y[k]
				if !ok {
					return false, false
				}
				if same, sure := quickSame(v, w); !same || !sure {
					return false, false
				}
			}
			return true, true
		}
	}
	return false, false
}

// Summarise says in one line what a change of answers does, naming sections by their titles,
// and which risks the answers raised or resolved. from is the state before the change.
func Summarise(d *questionnaire.Definition, from State, c Change) string {
	var parts []string
	set, cleared := 0, 0
	sections := map[string]bool{}
	for k, v := range c.Answers {
		if v == nil {
			cleared++
		} else {
			set++
		}
		if q, ok := d.Question(k); ok {
			if s, ok := d.Section(q.Section); ok {
				sections[s.Title] = true
			}
		}
	}
	if set > 0 {
		parts = append(parts, fmt.Sprintf("answered %d %s", set, plural(set, "question", "questions")))
	}
	if cleared > 0 {
		parts = append(parts, fmt.Sprintf("cleared %d %s", cleared, plural(cleared, "answer", "answers")))
	}
	raised, resolved := 0, 0
	for id, f := range c.Findings {
		old, existed := from.Findings[id]
		switch {
		case f != nil && !f.Manual() && (!existed || old.ResolvedByAnswers) && !f.ResolvedByAnswers:
			raised++
		case (f == nil && existed && !old.Manual()) || (f != nil && f.ResolvedByAnswers && existed && !old.ResolvedByAnswers):
			resolved++
		}
	}
	out := strings.Join(parts, ", ")
	if where := slices.Sorted(maps.Keys(sections)); len(where) > 0 {
		out += " in " + strings.Join(where, ", ")
	}
	var evidence []string
	for _, id := range SortedIDs(union(c.Evidence, nil)) {
		if e := c.Evidence[id]; e != nil && from.Evidence[id] == nil {
			evidence = append(evidence, "added evidence "+e.String())
		} else if e == nil && from.Evidence[id] != nil {
			evidence = append(evidence, "removed evidence "+from.Evidence[id].String())
		}
	}
	if len(evidence) > 0 {
		if out != "" {
			out += ", "
		}
		out += strings.Join(evidence, ", ")
	}
	var risks []string
	if raised > 0 {
		risks = append(risks, fmt.Sprintf("raised %d %s", raised, plural(raised, "risk", "risks")))
	}
	if resolved > 0 {
		risks = append(risks, fmt.Sprintf("resolved %d %s", resolved, plural(resolved, "risk", "risks")))
	}
	if len(risks) > 0 {
		if out != "" {
			out += "; "
		}
		out += strings.Join(risks, ", ")
	}
	if out == "" {
		if c.Status != "" {
			return "Status set to " + c.Status.Label()
		}
		if c.Empty() {
			return "No change"
		}
		return "Changed the risk register"
	}
	return strings.ToUpper(out[:1]) + out[1:]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
