// Package assessments is piaf's domain: the state of an assessment and how it changes. Its
// subpackages hold the questionnaire engine, the mitigation catalogue and Markdown rendering.
// Nothing here knows about HTTP or SQL.
package assessments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

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
	Questionnaire        string         `json:"questionnaire"`
	QuestionnaireVersion int            `json:"questionnaire_version"`
	Status               Status         `json:"status"`
	Answers              map[string]any `json:"answers"`
}

// Canonical is the state as canonical JSON.
func (s State) Canonical() []byte {
	if s.Answers == nil {
		s.Answers = map[string]any{}
	}
	b, err := json.Marshal(s)
	if err != nil {
		// Answers hold only strings, numbers and string lists; anything else is a bug.
		panic(fmt.Sprintf("assessments: state does not marshal: %v", err))
	}
	return b
}

// Hash is the SHA-256 of the canonical JSON, in hex.
func (s State) Hash() string {
	sum := sha256.Sum256(s.Canonical())
	return hex.EncodeToString(sum[:])
}

// Change is what one revision changes. An answer set to nil is cleared.
type Change struct {
	Answers map[string]any `json:"answers,omitempty"`
	Status  Status         `json:"status,omitempty"`
}

// Empty tells whether the change changes nothing.
func (c Change) Empty() bool { return len(c.Answers) == 0 && c.Status == "" }

// Apply returns the state after the change; s itself is not modified.
func (s State) Apply(c Change) State {
	next := s
	next.Answers = maps.Clone(s.Answers)
	if next.Answers == nil {
		next.Answers = map[string]any{}
	}
	for k, v := range c.Answers {
		if v == nil {
			delete(next.Answers, k)
		} else {
			next.Answers[k] = v
		}
	}
	if c.Status != "" {
		next.Status = c.Status
	}
	return next
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

// sameAnswer compares answers after a JSON round trip, where []string becomes []any and numbers
// are float64.
func sameAnswer(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return reflect.DeepEqual(ja, jb)
}

// Summarise says in one line what a change of answers does, naming sections by their titles.
func Summarise(d *questionnaire.Definition, c Change) string {
	if len(c.Answers) == 0 {
		if c.Status != "" {
			return "Status set to " + c.Status.Label()
		}
		return "No change"
	}
	var set, cleared int
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
	var parts []string
	if set > 0 {
		parts = append(parts, fmt.Sprintf("answered %d %s", set, plural(set, "question", "questions")))
	}
	if cleared > 0 {
		parts = append(parts, fmt.Sprintf("cleared %d %s", cleared, plural(cleared, "answer", "answers")))
	}
	where := slices.Sorted(maps.Keys(sections))
	out := strings.Join(parts, ", ")
	if len(where) > 0 {
		out += " in " + strings.Join(where, ", ")
	}
	return strings.ToUpper(out[:1]) + out[1:]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
