package questionnaire

import (
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/piaf-dev/piaf/assessments/figures"
)

// evidenceCondition decodes a leaf on evidence: {evidence: KIND, present: BOOL}, or
// {evidence: KIND.FIGURE, ...} with equals, a comparison or differs_from. Names are checked here
// against the figures vocabulary; only a differs_from question waits for check.
func (p *parser) evidenceCondition(c *Condition, f fields, form string) *Condition {
	en := f.m["evidence"]
	src := &leafSource{node: f.node}
	p.conds[c] = src
	c.Evidence = f.text("evidence", true)
	kind, figure, hasFigure := strings.Cut(c.Evidence, ".")
	switch {
	case c.Evidence == "":
	case !figures.KnownKind(kind):
		p.addf(en.Line, "condition: unknown evidence kind %q (kinds: %s)", kind, strings.Join(figures.Kinds, ", "))
	case hasFigure && !figures.Known(kind, figure):
		p.addf(en.Line, "condition: %q is not a figure of %s evidence (figures: %s)", figure, kind, figureNames(kind))
	case form == "present" && hasFigure:
		p.addf(en.Line, "condition: present takes a kind of evidence (%s), not a figure", kind)
	case form != "present" && !hasFigure:
		p.addf(en.Line, "condition: %s needs a figure, as in %s.%s", form, kind, firstFigure(kind))
	}
	switch form {
	case "present":
		b := f.boolean("present")
		c.Present = &b
	case "equals":
		if v, ok := scalarNumber(f.m["equals"]); ok {
			c.Equals = v
		} else {
			p.addf(f.m["equals"].Line, "condition: evidence figures are numbers; equals takes a number, not %s", describe(f.m["equals"]))
		}
	case "gt", "gte", "lt", "lte":
		p.comparison(c, f, form)
	case "differs_from":
		c.DiffersFrom, src.question = p.differsFrom(f)
	case "in", "answered":
		p.addf(f.line(form), "condition: %s is for questions; evidence takes present, equals, gt, gte, lt, lte or differs_from", form)
	}
	return c
}

// comparison reads the bound of gt, gte, lt or lte: a number, or {policy: NAME, times: F}.
func (p *parser) comparison(c *Condition, f fields, form string) {
	n := f.m[form]
	if n.Kind != yaml.MappingNode {
		v := f.number(form)
		switch form {
		case "gt":
			c.Gt = v
		case "gte":
			c.Gte = v
		case "lt":
			c.Lt = v
		case "lte":
			c.Lte = v
		}
		return
	}
	lf, ok := p.fields(n, form, "policy", "times")
	if !ok {
		return
	}
	l := &Limit{Op: form, Policy: lf.text("policy", true), Times: 1}
	if l.Policy != "" && !figures.KnownLimit(l.Policy) {
		p.addf(lf.line("policy"), "condition: unknown policy limit %q (limits: %s)", l.Policy, strings.Join(figures.LimitNames(), ", "))
	}
	if t := lf.number("times"); t != nil {
		if *t <= 0 {
			p.addf(lf.line("times"), "condition: times must be greater than 0")
		}
		l.Times = *t
	}
	c.Limit = l
}

// differsFrom reads {question: KEY, tolerance: F}; it returns the question's node for check.
func (p *parser) differsFrom(f fields) (*DiffersFrom, *yaml.Node) {
	df, ok := p.fields(f.m["differs_from"], "differs_from", "question", "tolerance")
	if !ok {
		return nil, nil
	}
	d := &DiffersFrom{Question: df.text("question", true)}
	if !df.has("tolerance") {
		df.missing("tolerance")
	} else if t := df.number("tolerance"); t != nil {
		if *t < 0 || *t >= 1 {
			p.addf(df.line("tolerance"), "condition: tolerance is relative to the figure, from 0 to less than 1 (0.05 is 5 %%), not %v", *t)
		}
		d.Tolerance = *t
	}
	return d, df.m["question"]
}

// checkDiffersFrom checks that a differs_from names a number question.
func (p *parser) checkDiffersFrom(c *Condition, questions map[string]*Question) {
	src := p.conds[c]
	if src == nil || src.question == nil || c.DiffersFrom.Question == "" {
		return
	}
	q, ok := questions[c.DiffersFrom.Question]
	switch {
	case !ok:
		p.addf(src.question.Line, "condition: unknown question %q", c.DiffersFrom.Question)
	case q.Type != Number:
		p.addf(src.question.Line, "condition: differs_from needs a number question, and %q is %s", q.Key, q.Type)
	}
}

// rejectEvidence reports evidence leaves in a show_if: what a form shows depends on answers only.
func (p *parser) rejectEvidence(c *Condition, q *Question) {
	if c == nil {
		return
	}
	for _, sub := range append(append([]*Condition{}, c.All...), c.Any...) {
		p.rejectEvidence(sub, q)
	}
	p.rejectEvidence(c.Not, q)
	if c.Evidence != "" {
		line := p.showIfLines[q]
		if src := p.conds[c]; src != nil {
			line = src.node.Line
		}
		p.addf(line, "question %s: show_if cannot test evidence; evidence conditions are for rules", q.Key)
	}
}

func figureNames(kind string) string {
	var names []string
	for _, f := range figures.Of(kind) {
		names = append(names, f.Name)
	}
	if kind == figures.PII {
		names = append(names, "before_TYPE", "after_TYPE")
	}
	return strings.Join(names, ", ")
}

func firstFigure(kind string) string {
	if fs := figures.Of(kind); len(fs) > 0 {
		return fs[0].Name
	}
	return "figure"
}

// Facts is what rules read: the answers, the evidence figures and the policy limits.
type Facts struct {
	Answers Answers
	// Evidence maps a kind to its figures. A kind with a record counts as present even when the
	// map of its figures is empty. For each figure, the caller gives the value of the most
	// recently added record of that kind that has it.
	Evidence map[string]map[string]float64
	// Limits maps policy limit names (figures.Limits) to their values.
	Limits map[string]float64
}

// figure returns an evidence figure named "KIND.FIGURE".
func (f Facts) figure(ref string) (float64, bool) {
	kind, name, _ := strings.Cut(ref, ".")
	v, ok := f.Evidence[kind][name]
	return v, ok && !math.IsNaN(v)
}

// bound is what a comparison compares with; ok is false when the policy lacks the limit.
func (e *evaluator) bound(c *Condition) (op string, v float64, ok bool) {
	if c.Limit != nil {
		lim, ok := e.facts.Limits[c.Limit.Policy]
		return c.Limit.Op, lim * c.Limit.Times, ok
	}
	switch {
	case c.Gt != nil:
		return "gt", *c.Gt, true
	case c.Gte != nil:
		return "gte", *c.Gte, true
	case c.Lt != nil:
		return "lt", *c.Lt, true
	case c.Lte != nil:
		return "lte", *c.Lte, true
	}
	return "", 0, false
}

func compare(op string, x, bound float64) bool {
	switch op {
	case "gt":
		return x > bound
	case "gte":
		return x >= bound
	case "lt":
		return x < bound
	case "lte":
		return x <= bound
	}
	return false
}

// evalEvidence evaluates an evidence leaf. A missing figure makes every test on it false, as an
// unanswered question does.
func (e *evaluator) evalEvidence(c *Condition) bool {
	if c.Present != nil {
		kind, _, _ := strings.Cut(c.Evidence, ".")
		_, has := e.facts.Evidence[kind]
		return has == *c.Present
	}
	x, ok := e.facts.figure(c.Evidence)
	if !ok {
		return false
	}
	switch {
	case c.Equals != nil:
		w, ok := toNumber(c.Equals)
		return ok && x == w
	case c.DiffersFrom != nil:
		a, ok := toNumber(e.value(c.DiffersFrom.Question))
		return ok && math.Abs(x-a) > c.DiffersFrom.Tolerance*math.Abs(x)
	}
	op, b, ok := e.bound(c)
	return ok && compare(op, x, b)
}

// evidenceInputs adds to a raised rule's inputs the figures and limits its condition read, keyed
// "KIND.FIGURE" (nil when missing), "present.KIND" (true or false) and "policy.NAME". Question
// keys never contain a dot, so these cannot collide with answers.
func (e *evaluator) evidenceInputs(c *Condition, inputs map[string]any) {
	if c == nil {
		return
	}
	for _, sub := range c.All {
		e.evidenceInputs(sub, inputs)
	}
	for _, sub := range c.Any {
		e.evidenceInputs(sub, inputs)
	}
	e.evidenceInputs(c.Not, inputs)
	if c.Limit != nil {
		if v, ok := e.facts.Limits[c.Limit.Policy]; ok {
			inputs["policy."+c.Limit.Policy] = v
		} else {
			inputs["policy."+c.Limit.Policy] = nil
		}
	}
	switch {
	case c.Evidence == "":
	case c.Present != nil:
		kind, _, _ := strings.Cut(c.Evidence, ".")
		_, has := e.facts.Evidence[kind]
		inputs["present."+kind] = has
	default:
		if v, ok := e.facts.figure(c.Evidence); ok {
			inputs[c.Evidence] = v
		} else {
			inputs[c.Evidence] = nil
		}
	}
}

// LeafString renders an evidence leaf, or a comparison with a policy limit, compactly for
// listings such as `piaf questionnaire show`: "dp.epsilon > policy(max_epsilon)",
// "mia.tpr_at_fpr_0_1pct > 0.001 × policy(max_tpr_ratio_at_0_1pct)", "present(dp)",
// "dp.epsilon differs from epsilon by more than 5 %". ok is false for other conditions.
func (c *Condition) LeafString() (s string, ok bool) {
	if c == nil || (c.Evidence == "" && c.Limit == nil) {
		return "", false
	}
	subject := c.Evidence
	if subject == "" {
		subject = c.Question
	}
	symbols := map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
	switch {
	case c.Present != nil && *c.Present:
		return "present(" + c.Evidence + ")", true
	case c.Present != nil:
		return "not present(" + c.Evidence + ")", true
	case c.DiffersFrom != nil:
		return subject + " differs from " + c.DiffersFrom.Question + " by more than " +
			formatNumber(c.DiffersFrom.Tolerance*100) + " %", true
	case c.Equals != nil:
		n, _ := toNumber(c.Equals)
		return subject + " = " + formatNumber(n), true
	case c.Limit != nil:
		bound := "policy(" + c.Limit.Policy + ")"
		if c.Limit.Times != 1 {
			bound = formatNumber(c.Limit.Times) + " × " + bound
		}
		return subject + " " + symbols[c.Limit.Op] + " " + bound, true
	}
	for _, b := range []struct {
		op string
		v  *float64
	}{{"gt", c.Gt}, {"gte", c.Gte}, {"lt", c.Lt}, {"lte", c.Lte}} {
		if b.v != nil {
			return subject + " " + symbols[b.op] + " " + formatNumber(*b.v), true
		}
	}
	return subject, true
}
