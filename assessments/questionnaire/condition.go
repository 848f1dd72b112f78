package questionnaire

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

var conditionForms = []string{"all", "any", "not", "equals", "in", "gt", "gte", "lt", "lte", "answered",
	"present", "differs_from"}

// comparisons are the forms whose bound may be a number or {policy: NAME, times: F}.
var comparisons = []string{"gt", "gte", "lt", "lte"}

// condition decodes one condition, or returns nil after reporting why it cannot.
func (p *parser) condition(n *yaml.Node) *Condition {
	f, ok := p.fields(n, "condition", "all", "any", "not", "question", "evidence", "equals", "in", "gt",
		"gte", "lt", "lte", "answered", "present", "differs_from")
	if !ok {
		return nil
	}
	var forms []string
	for _, form := range conditionForms {
		if f.has(form) {
			forms = append(forms, form)
		}
	}
	switch len(forms) {
	case 0:
		p.addf(n.Line, "condition: needs one of %s", strings.Join(conditionForms, ", "))
		return nil
	case 1:
	default:
		p.addf(n.Line, "condition: has several forms (%s); combine them with all or any",
			strings.Join(forms, ", "))
		return nil
	}

	c := &Condition{}
	form := forms[0]
	switch form {
	case "all", "any", "not":
		for _, name := range []string{"question", "evidence"} {
			if f.has(name) {
				p.addf(f.line(name), "condition: %s cannot be used with %s", name, form)
			}
		}
		if form == "not" {
			c.Not = p.condition(f.m["not"])
			return c
		}
		var subs []*Condition
		for _, sn := range f.items(form, true) {
			if sub := p.condition(sn); sub != nil {
				subs = append(subs, sub)
			}
		}
		if form == "all" {
			c.All = subs
		} else {
			c.Any = subs
		}
		return c
	}

	if f.has("evidence") {
		if f.has("question") {
			p.addf(f.line("question"), "condition: names a question or evidence, not both")
		}
		return p.evidenceCondition(c, f, form)
	}
	src := &leafSource{node: n, question: f.m["question"]}
	p.conds[c] = src
	c.Question = f.text("question", true)
	switch form {
	case "equals":
		if v := f.m["equals"]; v.Kind == yaml.ScalarNode {
			c.Equals = scalarValue(v)
			src.values = []*yaml.Node{v}
		} else {
			p.addf(v.Line, "condition: equals takes one value, not %s (use in for several)", describe(v))
		}
	case "in":
		for _, v := range f.items("in", true) {
			if v.Kind != yaml.ScalarNode || isNull(v) {
				p.addf(v.Line, "condition: in takes a list of values, not %s", describe(v))
				continue
			}
			c.In = append(c.In, scalarValue(v))
			src.values = append(src.values, v)
		}
	case "gt", "gte", "lt", "lte":
		p.comparison(c, f, form)
	case "answered":
		b := f.boolean("answered")
		c.Answered = &b
	case "present", "differs_from":
		p.addf(f.line(form), "condition: %s is for evidence conditions ({evidence: ...}), not questions", form)
	}
	return c
}

// scalarValue is a provisional value; check converts it to the type of the question's answers.
func scalarValue(n *yaml.Node) any {
	if v, ok := scalarNumber(n); ok {
		return v
	}
	return n.Value
}

// checkCondition checks the leaves of c against the questions they name and gives their values
// the type of those questions' answers, so that evaluation compares like with like.
func (p *parser) checkCondition(c *Condition, questions map[string]*Question) {
	for _, sub := range c.All {
		p.checkCondition(sub, questions)
	}
	for _, sub := range c.Any {
		p.checkCondition(sub, questions)
	}
	if c.Not != nil {
		p.checkCondition(c.Not, questions)
	}
	if c.DiffersFrom != nil {
		p.checkDiffersFrom(c, questions)
		return
	}
	src := p.conds[c]
	if src == nil || c.Question == "" {
		return
	}
	q, ok := questions[c.Question]
	if !ok {
		p.addf(src.question.Line, "condition: unknown question %q", c.Question)
		return
	}
	if (c.Gt != nil || c.Lt != nil || c.Gte != nil || c.Lte != nil || c.Limit != nil) && q.Type != Number {
		p.addf(src.node.Line, "condition: gt, gte, lt and lte need a number question, and %q is %s", q.Key, q.Type)
	}
	for i, v := range src.values {
		typed := p.answerValue(q, v)
		if c.In != nil {
			c.In[i] = typed
		} else {
			c.Equals = typed
		}
	}
}

// answerValue returns a condition value as the question's answers are typed, reporting a value
// no answer to the question could ever have.
func (p *parser) answerValue(q *Question, n *yaml.Node) any {
	switch q.Type {
	case Number:
		v, ok := scalarNumber(n)
		if !ok {
			p.addf(n.Line, "condition: %s is not a number, and %q is a number question", describe(n), q.Key)
			return n.Value
		}
		return v
	case Choice, MultiChoice:
		if len(q.Options) > 0 && !hasOption(q, n.Value) {
			p.addf(n.Line, "condition: %q is not an option of %q (options: %s)", n.Value, q.Key,
				strings.Join(optionValues(q), ", "))
		}
	case YesNo:
		if !hasOption(q, n.Value) {
			p.addf(n.Line, "condition: %q is not an answer to yes_no question %q (answers: %s)", n.Value,
				q.Key, strings.Join(YesNoValues, ", "))
		}
	case Date:
		if !isDate(n.Value) {
			p.addf(n.Line, "condition: %q is not a date YYYY-MM-DD", n.Value)
		}
	}
	return n.Value
}

// references returns the questions a condition names, each once, in order.
func references(c *Condition) []string {
	var keys []string
	var walk func(*Condition)
	walk = func(c *Condition) {
		if c == nil {
			return
		}
		for _, sub := range c.All {
			walk(sub)
		}
		for _, sub := range c.Any {
			walk(sub)
		}
		walk(c.Not)
		if c.Question != "" && !slices.Contains(keys, c.Question) {
			keys = append(keys, c.Question)
		}
		if c.DiffersFrom != nil && c.DiffersFrom.Question != "" && !slices.Contains(keys, c.DiffersFrom.Question) {
			keys = append(keys, c.DiffersFrom.Question)
		}
	}
	walk(c)
	return keys
}
