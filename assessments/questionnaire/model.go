// Package questionnaire loads versioned assessment questionnaires from YAML, decides which questions
// a set of answers makes visible, measures progress and raises the risk rules those answers trigger.
//
// The YAML format is specified in ../FORMAT.md. Parse (and Builtin) validate a definition
// completely; the other functions assume a valid one, but neither panic nor loop on a definition
// built by hand or decoded from JSON.
package questionnaire

// Question types.
const (
	Choice      = "choice"
	MultiChoice = "multi_choice"
	YesNo       = "yes_no"
	Text        = "text"
	LongText    = "long_text"
	Number      = "number"
	Date        = "date"
)

// Types lists the question types in the order the format documents them.
var Types = []string{Choice, MultiChoice, YesNo, Text, LongText, Number, Date}

// YesNoValues are the answers a yes_no question accepts; its options are never listed in YAML.
var YesNoValues = []string{"yes", "no", "partial", "unknown"}

// Definition is one version of a questionnaire.
type Definition struct {
	Key         string     `json:"key"`
	Version     int        `json:"version"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Sections    []*Section `json:"sections"`
	Rules       []*Rule    `json:"rules,omitempty"`

	file      string // where it was parsed from, for problems found after parsing
	source    []byte // the YAML it was parsed from
	sections  map[string]*Section
	questions map[string]*Question
}

// Source is the YAML the definition was parsed from, to store it exactly as loaded.
func (d *Definition) Source() []byte { return d.source }

// Section groups questions; its key is also the category of the findings its rules raise.
type Section struct {
	Key       string      `json:"key"`
	Title     string      `json:"title"`
	Intro     string      `json:"intro,omitempty"`
	Questions []*Question `json:"questions"`
}

// Question is one question. Options are set for choice and multi_choice only; Unit, Min, Max and
// Integer for number only.
type Question struct {
	Key      string   `json:"key"`
	Type     string   `json:"type"`
	Label    string   `json:"label"`
	Help     string   `json:"help,omitempty"`
	Required bool     `json:"required,omitempty"`
	Options  []Option `json:"options,omitempty"`
	Unit     string   `json:"unit,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	// Integer makes a number question accept whole numbers only (counts, steps).
	Integer bool       `json:"integer,omitempty"`
	ShowIf  *Condition `json:"show_if,omitempty"`
	Section string     `json:"section"`

	line int
}

// Option is one allowed answer of a choice or multi_choice question.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Condition is structured data, never an expression language: exactly one of All, Any, Not,
// Equals, In, Gt, Lt or Answered is set, and Question is set with the last five.
//
// Parse converts Equals and In to the type of the question's answers: string, or float64 for
// number questions.
type Condition struct {
	All      []*Condition `json:"all,omitempty"`
	Any      []*Condition `json:"any,omitempty"`
	Not      *Condition   `json:"not,omitempty"`
	Question string       `json:"question,omitempty"`
	Equals   any          `json:"equals,omitempty"`
	In       []any        `json:"in,omitempty"`
	Gt       *float64     `json:"gt,omitempty"`
	Lt       *float64     `json:"lt,omitempty"`
	Answered *bool        `json:"answered,omitempty"`
}

// Rule raises a finding when its condition holds on the visible answers.
type Rule struct {
	Key         string     `json:"key"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Category    string     `json:"category"`
	Likelihood  int        `json:"likelihood"`
	Severity    int        `json:"severity"`
	Mitigations []string   `json:"mitigations"`
	When        *Condition `json:"when"`

	line            int
	mitigationLines []int
}

// Answers maps question keys to answers: string for choice, yes_no, text, long_text and date,
// []string for multi_choice, float64 for number. Values decoded from JSON ([]any, json.Number)
// are understood too.
type Answers map[string]any

// Section returns the section with the given key.
func (d *Definition) Section(key string) (*Section, bool) {
	if d.sections != nil {
		s, ok := d.sections[key]
		return s, ok
	}
	for _, s := range d.Sections {
		if s.Key == key {
			return s, true
		}
	}
	return nil, false
}

// Question returns the question with the given key, in whatever section it is.
func (d *Definition) Question(key string) (*Question, bool) {
	if d.questions != nil {
		q, ok := d.questions[key]
		return q, ok
	}
	for _, s := range d.Sections {
		for _, q := range s.Questions {
			if q.Key == key {
				return q, true
			}
		}
	}
	return nil, false
}

// Questions returns every question in order.
func (d *Definition) Questions() []*Question {
	var qs []*Question
	for _, s := range d.Sections {
		qs = append(qs, s.Questions...)
	}
	return qs
}

// index builds the lookup maps once parsing has proved keys unique; a Definition built by hand
// (or decoded from JSON) has none, and lookups fall back to scanning.
func (d *Definition) index() {
	d.sections = make(map[string]*Section, len(d.Sections))
	d.questions = make(map[string]*Question)
	for _, s := range d.Sections {
		d.sections[s.Key] = s
		for _, q := range s.Questions {
			d.questions[q.Key] = q
		}
	}
}
