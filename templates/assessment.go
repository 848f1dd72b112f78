package templates

import (
	"fmt"

	"strconv"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// AssessmentView is what the assessment pages show: the overview, or one section's form.
type AssessmentView struct {
	Project    *assessments.Project
	Assessment *assessments.Assessment
	Def        *questionnaire.Definition
	Section    *questionnaire.Section // the section shown; nil on the overview
	Progress   questionnaire.Progress
	Raised     []questionnaire.Raised
	Visible    map[string]bool
	Values     map[string][]string // per question, the strings the form shows
	Errors     map[string]string   // per question
	RaisedBy   map[string][]string // per question, titles of the risks its answer feeds
	CanEdit    bool
	Revision   int // the revision the form saves against
	Conflict   *ConflictView
	Review     *ReviewView                       // the overview's review panel; nil elsewhere
	Comments   map[string][]*assessments.Comment // open comments by "question:key" or "finding:id"
	CanComment bool
}

// ReviewView is the review panel: what may happen next, and what happened.
type ReviewView struct {
	Events         []*assessments.ReviewEvent
	CanSubmit      bool
	SubmitProblems []string
	IsReviewer     bool
	DecideProblem  string // why the user may not decide now; empty when they may
	CanReassess    bool
	OpenComments   []*assessments.Comment
	Form           Form // submit note or decision comment, kept after a refusal
	CanConsult     bool // the user may give the opinion (a reviewer, before approval)
	ConsultForm    Form
	ConsultRefused bool // the user tried to give the opinion and may not: the form's message says why
	CanSetReview   bool
	// Redecide lists, on a carried cycle, acceptances that did not carry over and wait for a
	// reviewer to decide again (shown to reviewers).
	Redecide []assessments.Redo
}

func reviewLabel(k assessments.ReviewKind) string {
	switch k {
	case assessments.ReviewSubmit:
		return "Submitted for review"
	case assessments.ReviewApprove:
		return "Approved"
	case assessments.ReviewRequestChanges:
		return "Changes requested"
	}
	return string(k)
}

func (v AssessmentView) commentsOn(kind, key string) []*assessments.Comment {
	return v.Comments[kind+":"+key]
}

func (v AssessmentView) commentTarget(c *assessments.Comment) (string, string) {
	if c.TargetKind == "question" {
		return v.label(c.TargetKey), v.questionURL(c.TargetKey)
	}
	if f, ok := v.Assessment.State.Findings[c.TargetKey]; ok {
		return f.Title, v.findingURL(c.TargetKey)
	}
	return c.TargetKey, "#"
}

// commentElsewhere tells whether a comment's question is no longer shown (the answers hide it or
// the questionnaire lacks it), so that the overview offers to resolve it there.
func (v AssessmentView) commentElsewhere(c *assessments.Comment) bool {
	return c.TargetKind == "question" && assessments.PlaceOf(v.Def, v.Assessment.State, c.TargetKind, c.TargetKey) != assessments.PlaceShown
}

// ConflictView lists what others saved since the user opened the form.
type ConflictView struct {
	Current int
	Changes []ChangedAnswer
}

// ChangedAnswer is one answer someone else changed.
type ChangedAnswer struct {
	Key, Label, Value, By string
	At                    time.Time
	Revision              int
}

// SecMark is a section's state in the navigation.
type SecMark struct {
	Complete bool   `json:"complete"`
	Left     int    `json:"left"`
	Text     string `json:"text"`
}

// SectionMark summarises a section's tally for the navigation.
func SectionMark(t questionnaire.Tally) SecMark {
	if t.Complete() {
		return SecMark{Complete: true, Text: "complete"}
	}
	return SecMark{Left: len(t.Missing), Text: strconv.Itoa(len(t.Missing)) + " left"}
}

func (v AssessmentView) sectionTally(key string) questionnaire.Tally {
	for _, sp := range v.Progress.Sections {
		if sp.Key == key {
			return sp.Tally
		}
	}
	return questionnaire.Tally{}
}

func (v AssessmentView) value(key string) string {
	if vals := v.Values[key]; len(vals) > 0 {
		return vals[0]
	}
	return ""
}

func (v AssessmentView) checked(key, option string) bool {
	for _, val := range v.Values[key] {
		if val == option {
			return true
		}
	}
	return false
}

func (v AssessmentView) missing(key string) bool {
	for _, k := range v.Progress.Missing {
		if k == key {
			return true
		}
	}
	return false
}

func (v AssessmentView) unknown(key string) bool {
	for _, k := range v.Progress.Unknown {
		if k == key {
			return true
		}
	}
	return false
}

// nextSection is the key of the section after the current one, or "overview" after the last.
func (v AssessmentView) nextSection() string {
	for i, s := range v.Def.Sections {
		if s == v.Section && i+1 < len(v.Def.Sections) {
			return v.Def.Sections[i+1].Key
		}
	}
	return "overview"
}

// firstOpenSection is where to continue: the first section with required questions left.
func (v AssessmentView) firstOpenSection() string {
	for _, sp := range v.Progress.Sections {
		if !sp.Complete() {
			return sp.Key
		}
	}
	return v.Def.Sections[0].Key
}

func (v AssessmentView) sectionURL(key string) string {
	return "/assessments/" + strconv.FormatInt(v.Assessment.ID, 10) + "/sections/" + key
}

func (v AssessmentView) questionURL(key string) string {
	q, ok := v.Def.Question(key)
	if !ok {
		return "#"
	}
	return v.sectionURL(q.Section) + "#q-" + key
}

func (v AssessmentView) sectionTitle(key string) string {
	if s, ok := v.Def.Section(key); ok {
		return s.Title
	}
	return key
}

func (v AssessmentView) label(key string) string {
	if q, ok := v.Def.Question(key); ok {
		return q.Label
	}
	return key
}

func questionOptions(q *questionnaire.Question) []questionnaire.Option { return q.Choices() }

// AnswerText writes an answer for reading: option labels instead of values.
func AnswerText(def *questionnaire.Definition, key string, v any) string {
	if v == nil {
		return "(cleared)"
	}
	q, ok := def.Question(key)
	if !ok {
		return fmt.Sprint(v)
	}
	labelOf := q.OptionLabel
	switch v := v.(type) {
	case string:
		if q.Type == questionnaire.Choice || q.Type == questionnaire.YesNo {
			return labelOf(v)
		}
		return v
	case float64:
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if q.Unit != "" {
			s += " " + q.Unit
		}
		return s
	case []string, []any:
		var parts []string
		for _, item := range FormValues(v) {
			parts = append(parts, labelOf(item))
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

// FormValues writes an answer as the strings a form posts for it.
func FormValues(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case float64:
		return []string{strconv.FormatFloat(v, 'f', -1, 64)}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			out = append(out, fmt.Sprint(item))
		}
		return out
	}
	return []string{fmt.Sprint(v)}
}

func (v AssessmentView) answerText(key string) string {
	a, ok := v.Assessment.Answers()[key]
	if !ok {
		return ""
	}
	return AnswerText(v.Def, key, a)
}

func levelWord(l assessments.Level) string {
	switch {
	case l >= assessments.LevelMaximum:
		return "high"
	case l >= assessments.LevelSignificant:
		return "medium"
	}
	return "low"
}

// liveFindings are the assessment's findings that count, gravest residual risk first.
func (v AssessmentView) liveFindings() []*assessments.Finding {
	var out []*assessments.Finding
	for _, f := range assessments.SortedFindings(v.Def, v.Assessment.State) {
		if f.Live() {
			out = append(out, f)
		}
	}
	return out
}

func pct(n int) string { return strconv.Itoa(n) }

func lineClass(op string) string {
	switch op {
	case "+":
		return "add"
	case "-":
		return "del"
	}
	return "same"
}

func answerOrEmpty(def *questionnaire.Definition, key string, v any) string {
	if v == nil {
		return ""
	}
	return AnswerText(def, key, v)
}

func (v AssessmentView) sectionKeys() []string {
	var keys []string
	for _, q := range v.Section.Questions {
		keys = append(keys, q.Key)
	}
	return keys
}

// inputOrder lists the keys of a finding's inputs in questionnaire order.
func (v AssessmentView) inputOrder(inputs map[string]any) []string {
	var keys []string
	for _, q := range v.Def.Questions() {
		if _, ok := inputs[q.Key]; ok {
			keys = append(keys, q.Key)
		}
	}
	return keys
}

// opinionDate is the day an attributed opinion was given.
func opinionDate(c assessments.Consultation) string {
	t, err := time.Parse(time.RFC3339, c.GivenAt)
	if err != nil {
		return c.GivenAt
	}
	return date(t)
}

// redoReason says why an acceptance did not carry over into a new cycle.
func redoReason(reason string) string {
	switch reason {
	case "expired":
		return "its acceptance expired"
	case "inputs_changed":
		return "the answers behind it changed"
	}
	return reason
}

// viewsSoughtLabel says whether the views of the people affected were sought.
func viewsSoughtLabel(v string) string {
	switch v {
	case "yes":
		return "Yes"
	case "no":
		return "No"
	}
	return orDash(v)
}
