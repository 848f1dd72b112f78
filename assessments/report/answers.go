package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// answer is one visible question with its answer in words.
type answer struct {
	Question *questionnaire.Question
	Text     string // empty when unanswered
	Long     bool   // Text is a long_text answer: Markdown, to be shown as a block
}

// sectionAnswers is a section with its visible questions; hidden ones are left out.
type sectionAnswers struct {
	Section *questionnaire.Section
	Answers []answer
}

func (f *facts) sections() []sectionAnswers {
	given := questionnaire.Answers(f.r.State.Answers)
	var out []sectionAnswers
	for _, s := range f.def.Sections {
		sa := sectionAnswers{Section: s}
		for _, q := range s.Questions {
			if !f.def.Visible(q.Key, given) {
				continue
			}
			text, long := formatAnswer(q, given[q.Key])
			sa.Answers = append(sa.Answers, answer{Question: q, Text: text, Long: long})
		}
		out = append(out, sa)
	}
	return out
}

// formatAnswer says an answer in words: options by their labels, numbers with their unit. It
// returns "" for no answer, and tells whether the text is long-form Markdown.
func formatAnswer(q *questionnaire.Question, v any) (string, bool) {
	if v == nil {
		return "", false
	}
	switch q.Type {
	case questionnaire.Choice, questionnaire.YesNo:
		s, _ := v.(string)
		return optionLabel(q, strings.TrimSpace(s)), false
	case questionnaire.MultiChoice:
		var labels []string
		for _, s := range answerStrings(v) {
			labels = append(labels, optionLabel(q, s))
		}
		return strings.Join(labels, ", "), false
	case questionnaire.Number:
		n, ok := answerNumber(v)
		if !ok {
			return fmt.Sprint(v), false
		}
		text := strconv.FormatFloat(n, 'f', -1, 64)
		if q.Unit != "" {
			text += " " + q.Unit
		}
		return text, false
	case questionnaire.LongText:
		s, _ := v.(string)
		s = strings.TrimRight(s, " \t\r\n")
		return s, strings.TrimSpace(s) != ""
	}
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s), false
	}
	return fmt.Sprint(v), false
}

func optionLabel(q *questionnaire.Question, value string) string { return q.OptionLabel(value) }

// answerStrings accepts a multi_choice answer as Go code and a JSON decoder produce it.
func answerStrings(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case []any:
		var out []string
		for _, item := range v {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return []string{v}
	}
	return nil
}

func answerNumber(v any) (float64, bool) {
	var n float64
	switch v := v.(type) {
	case float64:
		n = v
	case int:
		n = float64(v)
	case int64:
		n = float64(v)
	case json.Number:
		var err error
		if n, err = v.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return n, !math.IsNaN(n) && !math.IsInf(n, 0)
}
