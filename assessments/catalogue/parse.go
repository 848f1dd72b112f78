package catalogue

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// MaxFileSize bounds what Parse reads, as questionnaire.MaxFileSize does.
const MaxFileSize = questionnaire.MaxFileSize

var (
	keyPattern      = regexp.MustCompile(`^[a-z0-9-]{1,64}$`) // mitigation keys and risk tags
	categoryPattern = regexp.MustCompile(`^[a-z0-9_]{1,64}$`) // questionnaire section keys
	yamlLinePattern = regexp.MustCompile(`^yaml: line (\d+): `)
	knownFields     = []string{"key", "title", "category", "addresses", "guidance", "verify"}
)

// parser collects every problem, with its line, in the questionnaire's Problems form so that
// both kinds of file report alike.
type parser struct {
	file  string
	probs questionnaire.Problems
}

func (p *parser) addf(line int, format string, args ...any) {
	p.probs = append(p.probs, questionnaire.Problem{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Parse reads and validates a catalogue: a YAML list of mitigations. On any problem it returns a
// nil Catalogue and questionnaire.Problems listing every problem found, in file order.
func Parse(filename string, data []byte) (*Catalogue, error) {
	p := &parser{file: filename}
	c := &Catalogue{byKey: map[string]*Mitigation{}}
	lines := map[string]int{}
	if top := p.load(data); top != nil {
		for _, n := range top.Content {
			m := p.mitigation(n)
			if m == nil || m.Key == "" {
				continue
			}
			if first, dup := lines[m.Key]; dup {
				p.addf(n.Line, "duplicate mitigation key %q (first on line %d)", m.Key, first)
				continue
			}
			lines[m.Key] = n.Line
			c.mitigations = append(c.mitigations, m)
			c.byKey[m.Key] = m
		}
	}
	if len(p.probs) > 0 {
		p.probs.Sort()
		return nil, p.probs
	}
	return c, nil
}

// load returns the top-level list, or nil after reporting why there is none.
func (p *parser) load(data []byte) (top *yaml.Node) {
	if len(data) > MaxFileSize {
		p.addf(0, "file is larger than %d bytes", MaxFileSize)
		return nil
	}
	defer func() {
		// A bug in the third-party YAML library must not take the server down.
		if v := recover(); v != nil {
			p.addf(0, "cannot read YAML: %v", v)
			top = nil
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg, line := err.Error(), 0
		if m := yamlLinePattern.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		p.addf(line, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return nil
	}
	if len(doc.Content) == 0 {
		p.addf(0, "file is empty")
		return nil
	}
	top = doc.Content[0]
	if top.Kind != yaml.SequenceNode {
		p.addf(top.Line, "catalogue must be a list of mitigations")
		return nil
	}
	return top
}

func (p *parser) mitigation(n *yaml.Node) *Mitigation {
	if n.Kind != yaml.MappingNode {
		p.addf(n.Line, "mitigation must be a mapping of fields")
		return nil
	}
	values := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(knownFields, k.Value):
			p.addf(k.Line, "mitigation: unknown field %q (known: %s)", k.Value, strings.Join(knownFields, ", "))
		case values[k.Value] != nil:
			p.addf(k.Line, "mitigation: field %q given twice", k.Value)
		case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
		default:
			values[k.Value] = v
		}
	}
	what := "mitigation"
	text := func(name string) string {
		v := values[name]
		switch {
		case v == nil:
			p.addf(n.Line, "%s: %s is required", what, name)
		case v.Kind != yaml.ScalarNode:
			p.addf(v.Line, "%s: %s must be text", what, name)
		case strings.TrimSpace(v.Value) == "":
			p.addf(v.Line, "%s: %s is required", what, name)
		default:
			return v.Value
		}
		return ""
	}
	m := &Mitigation{Key: text("key")}
	if m.Key != "" && !keyPattern.MatchString(m.Key) {
		p.addf(values["key"].Line, "mitigation key %q may only contain a-z, 0-9 and - (at most 64)", m.Key)
		m.Key = ""
	}
	if m.Key != "" {
		what += " " + m.Key
	}
	m.Title, m.Category = text("title"), text("category")
	m.Guidance, m.Verify = text("guidance"), text("verify")
	if m.Category != "" && !categoryPattern.MatchString(m.Category) {
		p.addf(values["category"].Line, "%s: category %q may only contain a-z, 0-9 and _", what, m.Category)
	}
	m.Addresses = p.tags(what, values["addresses"])
	return m
}

// tags reads the risk tags a mitigation addresses: optional, but each well formed and listed once.
func (p *parser) tags(what string, n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.addf(n.Line, "%s: addresses must be a list of risk tags", what)
		return nil
	}
	var tags []string
	for _, t := range n.Content {
		switch {
		case t.Kind != yaml.ScalarNode || !keyPattern.MatchString(t.Value):
			p.addf(t.Line, "%s: risk tag %q may only contain a-z, 0-9 and -", what, t.Value)
		case slices.Contains(tags, t.Value):
			p.addf(t.Line, "%s: risk tag %q listed twice", what, t.Value)
		default:
			tags = append(tags, t.Value)
		}
	}
	return tags
}
