package questionnaire

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// parser decodes a definition, then checks what crosses its parts (condition references, rule
// categories, show_if cycles) once everything is known.
type parser struct {
	reader
	sectionLines  map[string]int
	questionLines map[string]int
	ruleLines     map[string]int
	conds         map[*Condition]*leafSource
	showIfLines   map[*Question]int
	categoryLines map[*Rule]int
}

// leafSource keeps the nodes of a leaf condition: its values can only be typed and checked once
// the question it refers to, which may come later in the file, is known.
type leafSource struct {
	node     *yaml.Node
	question *yaml.Node
	values   []*yaml.Node // the equals value, or the in items
}

// Parse reads and validates a questionnaire definition. On any problem it returns a nil
// Definition and Problems listing every problem found, in file order.
func Parse(filename string, data []byte) (*Definition, error) {
	p := &parser{
		reader:        reader{file: filename},
		sectionLines:  map[string]int{},
		questionLines: map[string]int{},
		ruleLines:     map[string]int{},
		conds:         map[*Condition]*leafSource{},
		showIfLines:   map[*Question]int{},
		categoryLines: map[*Rule]int{},
	}
	var d *Definition
	if top := p.load(data); top != nil {
		d = p.definition(top)
	}
	if d != nil {
		p.check(d)
	}
	if len(p.probs) > 0 {
		p.probs.Sort()
		return nil, p.probs
	}
	d.index()
	d.source = append([]byte(nil), data...)
	return d, nil
}

func (p *parser) definition(n *yaml.Node) *Definition {
	f, ok := p.fields(n, "definition", "key", "version", "title", "description", "sections", "rules")
	if !ok {
		return nil
	}
	d := &Definition{file: p.file}
	d.Key = f.key("key", definitionKeyPattern)
	if v, ok := f.integer("version", true); ok {
		if v < 1 {
			p.addf(f.line("version"), "definition: version must be a positive whole number")
		}
		d.Version = v
	}
	d.Title = f.text("title", true)
	d.Description = f.text("description", false)
	for _, sn := range f.items("sections", true) {
		if s := p.section(sn); s != nil {
			d.Sections = append(d.Sections, s)
		}
	}
	for _, rn := range f.items("rules", false) {
		if r := p.rule(rn); r != nil {
			d.Rules = append(d.Rules, r)
		}
	}
	return d
}

func (p *parser) section(n *yaml.Node) *Section {
	f, ok := p.fields(n, "section", "key", "title", "intro", "questions")
	if !ok {
		return nil
	}
	s := &Section{Key: f.key("key", questionKeyPattern)}
	p.unique(p.sectionLines, "section", s.Key, f.line("key"))
	s.Title = f.text("title", true)
	s.Intro = f.text("intro", false)
	for _, qn := range f.items("questions", true) {
		if q := p.question(qn, s.Key); q != nil {
			s.Questions = append(s.Questions, q)
		}
	}
	return s
}

// unique reports a key already used, in seen, by another item of the same kind.
func (p *parser) unique(seen map[string]int, what, key string, line int) {
	if key == "" {
		return
	}
	if first, dup := seen[key]; dup {
		p.addf(line, "duplicate %s key %q (first on line %d)", what, key, first)
		return
	}
	seen[key] = line
}

func (p *parser) question(n *yaml.Node, section string) *Question {
	f, ok := p.fields(n, "question", "key", "type", "label", "help", "required", "options",
		"unit", "min", "max", "integer", "show_if")
	if !ok {
		return nil
	}
	q := &Question{Section: section, line: n.Line}
	q.Key = f.key("key", questionKeyPattern)
	p.unique(p.questionLines, "question", q.Key, f.line("key"))
	q.Type = f.text("type", true)
	if q.Type != "" && !slices.Contains(Types, q.Type) {
		p.addf(f.line("type"), "%s: unknown type %q (want one of %s)", f.what, q.Type, strings.Join(Types, ", "))
	}
	q.Label = f.text("label", true)
	q.Help = f.text("help", false)
	q.Required = f.boolean("required")
	q.Options = p.options(f, q.Type)
	q.Unit = f.text("unit", false)
	q.Min, q.Max = f.number("min"), f.number("max")
	q.Integer = f.boolean("integer")
	if q.Type != Number && slices.Contains(Types, q.Type) {
		for _, name := range []string{"unit", "min", "max", "integer"} {
			if f.has(name) {
				p.addf(f.line(name), "%s: %s is only for number questions", f.what, name)
			}
		}
	}
	if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		p.addf(f.line("min"), "%s: min %v is greater than max %v", f.what, *q.Min, *q.Max)
	}
	if f.has("show_if") {
		q.ShowIf = p.condition(f.m["show_if"])
		p.showIfLines[q] = f.line("show_if")
	}
	return q
}

func (p *parser) options(f fields, typ string) []Option {
	switch typ {
	case Choice, MultiChoice:
	case YesNo:
		if f.has("options") {
			p.addf(f.line("options"), "%s: yes_no questions take no options (answers are %s)",
				f.what, strings.Join(YesNoValues, ", "))
		}
		return nil
	default:
		if f.has("options") && slices.Contains(Types, typ) {
			p.addf(f.line("options"), "%s: options are only for choice and multi_choice questions", f.what)
		}
		return nil
	}
	items := f.items("options", true)
	if len(items) == 1 {
		p.addf(f.line("options"), "%s: %s questions need at least 2 options", f.what, typ)
	}
	var opts []Option
	seen := map[string]int{}
	for _, n := range items {
		of, ok := p.fields(n, "option", "value", "label")
		if !ok {
			continue
		}
		o := Option{Value: of.key("value", questionKeyPattern), Label: of.text("label", true)}
		p.unique(seen, "option", o.Value, of.line("value"))
		opts = append(opts, o)
	}
	return opts
}

func (p *parser) rule(n *yaml.Node) *Rule {
	f, ok := p.fields(n, "rule", "key", "title", "description", "category", "likelihood",
		"severity", "mitigations", "when")
	if !ok {
		return nil
	}
	r := &Rule{line: n.Line}
	r.Key = f.key("key", definitionKeyPattern)
	p.unique(p.ruleLines, "rule", r.Key, f.line("key"))
	r.Title = f.text("title", true)
	r.Description = f.text("description", false)
	r.Category = f.text("category", true)
	p.categoryLines[r] = f.line("category")
	r.Likelihood = p.scale(f, "likelihood")
	r.Severity = p.scale(f, "severity")
	seen := map[string]int{}
	for _, mn := range f.items("mitigations", true) {
		if mn.Kind != yaml.ScalarNode || isNull(mn) {
			p.addf(mn.Line, "%s: mitigation must be a catalogue key, not %s", f.what, describe(mn))
			continue
		}
		if checkKey(&p.reader, mn.Line, f.what+" mitigation", mn.Value, definitionKeyPattern) {
			p.unique(seen, "mitigation", mn.Value, mn.Line)
		}
		r.Mitigations = append(r.Mitigations, mn.Value)
		r.mitigationLines = append(r.mitigationLines, mn.Line)
	}
	if f.has("when") {
		r.When = p.condition(f.m["when"])
	} else {
		f.missing("when")
	}
	return r
}

// scale reads a likelihood or severity: 1 negligible, 2 limited, 3 significant, 4 maximum.
func (p *parser) scale(f fields, name string) int {
	v, ok := f.integer(name, true)
	if ok && (v < 1 || v > 4) {
		p.addf(f.line(name), "%s: %s %d is a bad scale value, want 1 (negligible) to 4 (maximum)", f.what, name, v)
	}
	return v
}
