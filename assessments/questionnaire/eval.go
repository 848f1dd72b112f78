package questionnaire

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Visible reports whether the answers show the question: its show_if holds, where answers to
// hidden questions count as unanswered. An unknown key is not visible.
func (d *Definition) Visible(key string, a Answers) bool {
	return d.evaluator(a).visible(key)
}

// Eval reports whether c holds on the answers to visible questions. A nil condition holds.
func (d *Definition) Eval(c *Condition, a Answers) bool {
	return d.evaluator(a).eval(c)
}

// evaluator remembers visibility across the conditions of one evaluation, so that checking every
// question costs no more than the conditions' size.
type evaluator struct {
	def      *Definition
	answers  Answers
	facts    Facts
	shown    map[string]bool
	visiting map[string]bool
}

func (d *Definition) evaluator(a Answers) *evaluator {
	return d.factsEvaluator(Facts{Answers: a})
}

func (d *Definition) factsEvaluator(f Facts) *evaluator {
	return &evaluator{def: d, answers: f.Answers, facts: f, shown: map[string]bool{}, visiting: map[string]bool{}}
}

func (e *evaluator) visible(key string) bool {
	if v, ok := e.shown[key]; ok {
		return v
	}
	q, ok := e.def.Question(key)
	// Parse rejects show_if cycles; one in a definition built by hand hides its questions
	// rather than recursing forever.
	if !ok || e.visiting[key] {
		return false
	}
	e.visiting[key] = true
	v := q.ShowIf == nil || e.eval(q.ShowIf)
	delete(e.visiting, key)
	e.shown[key] = v
	return v
}

// value is the answer to a visible question, or nil.
func (e *evaluator) value(key string) any {
	if !e.visible(key) {
		return nil
	}
	if v := e.answers[key]; isAnswered(v) {
		return v
	}
	return nil
}

func (e *evaluator) eval(c *Condition) bool {
	switch {
	case c == nil:
		return true
	case c.All != nil:
		for _, sub := range c.All {
			if !e.eval(sub) {
				return false
			}
		}
		return true
	case c.Any != nil:
		for _, sub := range c.Any {
			if e.eval(sub) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !e.eval(c.Not)
	case c.Evidence != "":
		return e.evalEvidence(c)
	}
	v := e.value(c.Question)
	switch {
	case c.Answered != nil:
		return (v != nil) == *c.Answered
	case v == nil:
		return false
	case c.Equals != nil:
		return matches(v, c.Equals)
	case c.In != nil:
		for _, want := range c.In {
			if matches(v, want) {
				return true
			}
		}
		return false
	}
	n, ok := toNumber(v)
	if !ok {
		return false
	}
	op, b, ok := e.bound(c)
	return ok && compare(op, n, b)
}

// matches reports whether an answer equals want or, for a multi_choice answer, includes it.
func matches(answer, want any) bool {
	if list, ok := toStrings(answer); ok {
		for _, s := range list {
			if equal(s, want) {
				return true
			}
		}
		return false
	}
	return equal(answer, want)
}

func equal(answer, want any) bool {
	if w, ok := toNumber(want); ok {
		a, ok := toNumber(answer)
		return ok && a == w
	}
	a, aok := answer.(string)
	w, wok := want.(string)
	return aok && wok && a == w
}

// isAnswered treats empty strings and empty selections as no answer, so clearing a field in a
// form and removing it are the same.
func isAnswered(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(v) != ""
	case []string:
		return len(v) > 0
	case []any:
		return len(v) > 0
	}
	return true
}

// toNumber accepts the forms a number answer takes in Go code and after a JSON round trip.
func toNumber(v any) (float64, bool) {
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case float32:
		f = float64(v)
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case json.Number:
		var err error
		if f, err = strconv.ParseFloat(string(v), 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, !math.IsNaN(f)
}

// toStrings accepts a multi_choice answer as Go code and a JSON decoder produce it.
func toStrings(v any) ([]string, bool) {
	switch v := v.(type) {
	case []string:
		return v, true
	case []any:
		list := make([]string, 0, len(v))
		for _, item := range v {
			if s, ok := item.(string); ok {
				list = append(list, s)
			}
		}
		return list, true
	}
	return nil, false
}
