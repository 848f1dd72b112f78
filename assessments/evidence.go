package assessments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// Source says where an evidence record came from.
type Source string

// Sources of evidence.
const (
	SourceComputed Source = "computed" // piaf computed the figures from the inputs given in a form
	SourcePipeline Source = "pipeline" // an ML pipeline uploaded it through the API
	SourceHand     Source = "hand"     // a person typed the figures in
)

// Label is the source in words.
func (s Source) Label() string {
	switch s {
	case SourceComputed:
		return "Computed by piaf"
	case SourcePipeline:
		return "Uploaded by a pipeline"
	case SourceHand:
		return "Entered by hand"
	}
	return string(s)
}

// Evidence is one evidence record of an assessment: figures piaf computed or received (a DP
// budget, a PII scan summary, leak-test metrics, a run manifest), what they were computed from
// and who added them. Records are part of the state, so revisions, diffs, reports and
// signatures cover them.
type Evidence struct {
	ID          string `json:"id"`    // "E<n>", numbered with the state's Seq
	Kind        string `json:"kind"`  // figures.Kinds
	Cycle       int    `json:"cycle"` // the assessment cycle the record was added in
	Source      Source `json:"source"`
	Tool        string `json:"tool,omitempty"`         // what produced an uploaded input
	ToolVersion string `json:"tool_version,omitempty"` //
	FileSHA256  string `json:"file_sha256,omitempty"`  // of an uploaded file, lower-case hex
	Label       string `json:"label,omitempty"`        // e.g. a PII sample "before" or "after"
	// Inputs are what the figures were computed from, as canonical JSON (keys sorted, no spaces).
	Inputs  json.RawMessage    `json:"inputs,omitempty"`
	Figures map[string]float64 `json:"figures"`
	Notes   []string           `json:"notes,omitempty"`
	// Warnings are caveats the computation raised (e.g. sampling not Poisson).
	Warnings []string `json:"warnings,omitempty"`
	// NotCredible lists why the test design makes the figures unreliable; empty when credible.
	NotCredible []string `json:"not_credible,omitempty"`
	Questions   []string `json:"questions"` // the question keys the record supports
	AddedBy     int64    `json:"added_by"`
	AddedByName string   `json:"added_by_name"`
	AddedAt     string   `json:"added_at"` // RFC 3339, UTC
}

// ErrNoEvidence names an evidence id the state does not hold.
var ErrNoEvidence = errors.New("assessments: no such evidence")

// Limits on an evidence record, so that one upload cannot bloat every later revision.
const (
	maxFigures     = 500
	maxInputsBytes = 64 << 10
	maxNotes       = 50
	maxNote        = 2000
	maxShortText   = 200
)

var (
	figureName = regexp.MustCompile(`^[A-Za-z0-9_]{1,80}$`)
	sha256Hex  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// DefaultQuestions are the questions a kind of evidence supports when the record names none.
var DefaultQuestions = map[string][]string{
	figures.DP:         {"epsilon", "delta", "noise_multiplier", "sampling_rate", "training_steps"},
	figures.PII:        {"pii_detection_method", "pii_treatment", "pii_recall_measured", "pii_recall"},
	figures.MIA:        {"mia_performed", "mia_auc", "mia_tpr_low_fpr"},
	figures.Canary:     {"canaries_inserted", "canary_exposure"},
	figures.Extraction: {"memorisation_test", "extraction_rate"},
	figures.Manifest:   {"documentation", "release_signoff"},
}

// EvidenceInput is what a form, the API or the CLI gives to add a record.
type EvidenceInput struct {
	Kind        string
	Source      Source
	Tool        string
	ToolVersion string
	FileSHA256  string
	Label       string
	Inputs      json.RawMessage // any JSON object; stored canonical
	Figures     map[string]float64
	Notes       []string
	Warnings    []string
	NotCredible []string
	Questions   []string // nil: the kind's DefaultQuestions that the questionnaire has
	Cycle       int
	AddedBy     int64
	AddedByName string
	AddedAt     time.Time
}

// record validates the input against the questionnaire and returns the record without its id.
func (in EvidenceInput) record(def *questionnaire.Definition) (*Evidence, error) {
	if !figures.KnownKind(in.Kind) {
		return nil, fieldErr("kind", "choose one of %s", strings.Join(figures.Kinds, ", "))
	}
	switch in.Source {
	case SourceComputed, SourcePipeline, SourceHand:
	default:
		return nil, fieldErr("source", "must be computed, pipeline or hand")
	}
	for name, v := range map[string]string{"tool": in.Tool, "tool_version": in.ToolVersion, "label": in.Label, "added_by_name": in.AddedByName} {
		if utf8.RuneCountInString(v) > maxShortText || !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\r\n") {
			return nil, fieldErr(name, "use at most %d characters on one line", maxShortText)
		}
	}
	sum := strings.ToLower(strings.TrimSpace(in.FileSHA256))
	if sum != "" && !sha256Hex.MatchString(sum) {
		return nil, fieldErr("file_sha256", "must be a SHA-256 digest: 64 hexadecimal characters")
	}
	if len(in.Figures) > maxFigures {
		return nil, fieldErr("figures", "at most %d figures", maxFigures)
	}
	for _, name := range slices.Sorted(maps.Keys(in.Figures)) {
		v := in.Figures[name]
		if !figureName.MatchString(name) {
			return nil, fieldErr("figures", "figure name %q may only contain letters, digits and _", name)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fieldErr("figures", "%s must be a finite number", name)
		}
	}
	for name, list := range map[string][]string{"notes": in.Notes, "warnings": in.Warnings, "not_credible": in.NotCredible} {
		if len(list) > maxNotes {
			return nil, fieldErr(name, "at most %d entries", maxNotes)
		}
		for _, s := range list {
			if utf8.RuneCountInString(s) > maxNote || !utf8.ValidString(s) {
				return nil, fieldErr(name, "use at most %d characters per entry", maxNote)
			}
		}
	}
	inputs, err := canonicalJSON(in.Inputs)
	if err != nil {
		return nil, err
	}
	questions := in.Questions
	if questions == nil {
		for _, k := range DefaultQuestions[in.Kind] {
			if _, ok := def.Question(k); ok {
				questions = append(questions, k)
			}
		}
	}
	seen := map[string]bool{}
	for _, k := range questions {
		if _, ok := def.Question(k); !ok {
			return nil, fieldErr("questions", "%q is not a question of this questionnaire", k)
		}
		if seen[k] {
			return nil, fieldErr("questions", "%q is given twice", k)
		}
		seen[k] = true
	}
	if in.Cycle < 1 {
		return nil, fieldErr("cycle", "must be 1 or more")
	}
	if in.AddedAt.IsZero() {
		return nil, fieldErr("added_at", "is required")
	}
	return &Evidence{Kind: in.Kind, Cycle: in.Cycle, Source: in.Source, Tool: in.Tool, ToolVersion: in.ToolVersion,
		FileSHA256: sum, Label: in.Label, Inputs: inputs, Figures: maps.Clone(in.Figures), Notes: slices.Clone(in.Notes),
		Warnings: slices.Clone(in.Warnings), NotCredible: slices.Clone(in.NotCredible), Questions: slices.Clone(questions),
		AddedBy: in.AddedBy, AddedByName: in.AddedByName, AddedAt: in.AddedAt.UTC().Format(time.RFC3339)}, nil
}

// canonicalJSON re-encodes a JSON object with sorted keys and no spaces, keeping numbers as
// written, so that equal inputs hash equal.
func canonicalJSON(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	if len(raw) > maxInputsBytes {
		return nil, fieldErr("inputs", "at most %d bytes of JSON", maxInputsBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, fieldErr("inputs", "must be a JSON object: %v", err)
	}
	if dec.More() {
		return nil, fieldErr("inputs", "must be a single JSON object")
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fieldErr("inputs", "cannot be encoded: %v", err)
	}
	return out, nil
}

// AddEvidence adds a record, with the next id of the state.
func AddEvidence(s State, def *questionnaire.Definition, in EvidenceInput) (State, string, error) {
	e, err := in.record(def)
	if err != nil {
		return s, "", err
	}
	id, next := s.NextID("E")
	e.ID = id
	next.Evidence[id] = e
	return next, id, nil
}

// RemoveEvidence removes a record.
func RemoveEvidence(s State, id string) (State, error) {
	if _, ok := s.Evidence[id]; !ok {
		return s, ErrNoEvidence
	}
	next := s.clone()
	delete(next.Evidence, id)
	return next, nil
}

// evidenceNumber is the number in an id "E<n>", which orders records by when they were added.
func evidenceNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "E"))
	return n
}

// SortedEvidence lists the records in the order they were added.
func SortedEvidence(s State) []*Evidence {
	list := slices.Collect(maps.Values(s.Evidence))
	slices.SortFunc(list, func(a, b *Evidence) int {
		if d := evidenceNumber(a.ID) - evidenceNumber(b.ID); d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list
}

// Sections are the keys of the sections of the record's questions, in questionnaire order:
// where the record is shown beside the questions.
func (e *Evidence) Sections(def *questionnaire.Definition) []string {
	var out []string
	for _, sec := range def.Sections {
		for _, q := range sec.Questions {
			if slices.Contains(e.Questions, q.Key) {
				out = append(out, sec.Key)
				break
			}
		}
	}
	return out
}

// EvidenceFor lists the records shown on a section, in the order they were added.
func EvidenceFor(def *questionnaire.Definition, s State, section string) []*Evidence {
	var out []*Evidence
	for _, e := range SortedEvidence(s) {
		if slices.Contains(e.Sections(def), section) {
			out = append(out, e)
		}
	}
	return out
}

// EvidenceForQuestion lists the records that support a question, in the order they were added:
// what a page shows beside it (e.g. the PII scan's rates beside the detection recall answer).
func EvidenceForQuestion(s State, key string) []*Evidence {
	var out []*Evidence
	for _, e := range SortedEvidence(s) {
		if slices.Contains(e.Questions, key) {
			out = append(out, e)
		}
	}
	return out
}

// EvidenceFigures is what rules read of the evidence: each kind with a record, and for each
// figure the value of the most recently added record of that kind that has it.
func EvidenceFigures(s State) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for _, e := range SortedEvidence(s) {
		if out[e.Kind] == nil {
			out[e.Kind] = map[string]float64{}
		}
		maps.Copy(out[e.Kind], e.Figures)
	}
	return out
}

// CarryEvidence copies the records of the previous cycle's state into the next one, each keeping
// its id and the cycle it came from. Question keys the next questionnaire lacks are dropped (a
// record left with none supports the kind's default questions), and the next state's Seq moves
// past the carried ids so new records never reuse one.
func CarryEvidence(def *questionnaire.Definition, from, to State) State {
	next := to.clone()
	for id, e := range from.Evidence {
		c := *e
		c.Questions = slices.DeleteFunc(slices.Clone(e.Questions), func(k string) bool {
			_, ok := def.Question(k)
			return !ok
		})
		if len(c.Questions) == 0 {
			for _, k := range DefaultQuestions[c.Kind] {
				if _, ok := def.Question(k); ok {
					c.Questions = append(c.Questions, k)
				}
			}
		}
		next.Evidence[id] = &c
		next.Seq = max(next.Seq, evidenceNumber(id))
	}
	return next
}

// String names a record for one-line summaries: "E3 (Differential privacy budget, cycle 1)".
func (e *Evidence) String() string {
	return fmt.Sprintf("%s (%s, cycle %d)", e.ID, figures.KindLabel(e.Kind), e.Cycle)
}
