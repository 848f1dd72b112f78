package questionnaire

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxFileSize bounds what Parse reads: questionnaires are hand-written and admins import them, so
// anything bigger is a mistake or an attack on the parser.
const MaxFileSize = 2 << 20

var (
	definitionKeyPattern = regexp.MustCompile(`^[a-z0-9-]+$`) // definition and rule keys
	questionKeyPattern   = regexp.MustCompile(`^[a-z0-9_]+$`) // section, question and option keys
	yamlLinePattern      = regexp.MustCompile(`^yaml: line (\d+): `)
)

const maxKeyLength = 64

// reader turns yaml.v3 nodes into values. It decodes from nodes rather than into structs so that
// every problem carries a line, and it collects problems rather than stopping at the first.
type reader struct {
	file  string
	probs Problems
}

func (r *reader) addf(line int, format string, args ...any) {
	r.probs = append(r.probs, Problem{File: r.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// load returns the top node of the first document, or nil after reporting why there is none.
func (r *reader) load(data []byte) (top *yaml.Node) {
	if len(data) > MaxFileSize {
		r.addf(0, "file is larger than %d bytes", MaxFileSize)
		return nil
	}
	defer func() {
		// The YAML library is third-party code fed untrusted input; a bug there must not take
		// the server down.
		if v := recover(); v != nil {
			r.addf(0, "cannot read YAML: %v", v)
			top = nil
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		line := 0
		if m := yamlLinePattern.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		r.addf(line, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		r.addf(0, "file is empty")
		return nil
	}
	if r.rejectAliases(doc.Content[0]) {
		return nil
	}
	return doc.Content[0]
}

// rejectAliases reports every alias. Following aliases lets a small file expand exponentially,
// and hand-written questionnaires have no need for them.
func (r *reader) rejectAliases(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		r.addf(n.Line, "YAML aliases (*%s) are not supported; write the value out", n.Value)
		return true
	}
	found := false
	for _, c := range n.Content {
		found = r.rejectAliases(c) || found
	}
	return found
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// fields is one YAML mapping read by field name.
type fields struct {
	r    *reader
	node *yaml.Node
	kind string // "question", "rule", ...
	what string // how problems name the mapping: "question a", "rule r"
	m    map[string]*yaml.Node
	keys map[string]*yaml.Node
}

// fields reads a mapping, reporting names not in known (with the closest known name, since typos
// are the usual cause) and names given twice. A null value counts as absent, so `help:` left
// empty is the same as no help. ok is false when n is not a mapping at all.
func (r *reader) fields(n *yaml.Node, kind string, known ...string) (f fields, ok bool) {
	f = fields{r: r, node: n, kind: kind, what: kind, m: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if n.Kind != yaml.MappingNode {
		r.addf(n.Line, "%s must be a mapping of fields, not %s", kind, describe(n))
		return f, false
	}
	if key := mappingKey(n); key != "" && slices.Contains(known, "key") {
		f.what += " " + key
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			r.addf(k.Line, "%s: field names must be plain words", f.what)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			r.addf(k.Line, "%s: field %q given twice (first on line %d)", f.what, k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		if !slices.Contains(known, k.Value) {
			if near := closest(k.Value, known); near != "" {
				r.addf(k.Line, "%s: unknown field %q (did you mean %q?)", f.what, k.Value, near)
			} else {
				r.addf(k.Line, "%s: unknown field %q (known: %s)", f.what, k.Value, strings.Join(known, ", "))
			}
			continue
		}
		if !isNull(v) {
			f.m[k.Value] = v
			f.keys[k.Value] = k
		}
	}
	return f, true
}

// mappingKey returns the key field of a mapping, if it is a valid one, to name it in problems.
func mappingKey(n *yaml.Node) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "key" && v.Kind == yaml.ScalarNode && len(v.Value) <= maxKeyLength &&
			(definitionKeyPattern.MatchString(v.Value) || questionKeyPattern.MatchString(v.Value)) {
			return v.Value
		}
	}
	return ""
}

func (f fields) has(name string) bool { return f.m[name] != nil }

// line is the line of a field's name, or of the mapping when the field is absent.
func (f fields) line(name string) int {
	if k := f.keys[name]; k != nil {
		return k.Line
	}
	return f.node.Line
}

func (f fields) missing(name string) {
	f.r.addf(f.node.Line, "%s: %s is required", f.what, name)
}

func (f fields) text(name string, required bool) string {
	n := f.m[name]
	if n == nil {
		if required {
			f.missing(name)
		}
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		f.r.addf(n.Line, "%s: %s must be text, not %s", f.what, name, describe(n))
		return ""
	}
	if required && strings.TrimSpace(n.Value) == "" {
		f.missing(name)
	}
	return n.Value
}

// key reads a required key and checks its syntax against pattern.
func (f fields) key(name string, pattern *regexp.Regexp) string {
	s := f.text(name, true)
	if s != "" {
		checkKey(f.r, f.m[name].Line, f.kind+" "+name, s, pattern)
	}
	return s
}

func checkKey(r *reader, line int, what, s string, pattern *regexp.Regexp) bool {
	switch {
	case len(s) > maxKeyLength:
		r.addf(line, "%s %q is longer than %d characters", what, s, maxKeyLength)
	case !pattern.MatchString(s):
		r.addf(line, "%s %q may only contain %s", what, s, allowed(pattern))
	default:
		return true
	}
	return false
}

func allowed(pattern *regexp.Regexp) string {
	if pattern == questionKeyPattern {
		return "a-z, 0-9 and _"
	}
	return "a-z, 0-9 and -"
}

func (f fields) boolean(name string) bool {
	n := f.m[name]
	if n == nil {
		return false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		f.r.addf(n.Line, "%s: %s must be true or false", f.what, name)
	}
	return b
}

// integer reports a value that is not a whole number; ok is false then and when it is absent.
func (f fields) integer(name string, required bool) (v int, ok bool) {
	n := f.m[name]
	if n == nil {
		if required {
			f.missing(name)
		}
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		f.r.addf(n.Line, "%s: %s must be a whole number, not %s", f.what, name, describe(n))
		return 0, false
	}
	return v, true
}

func (f fields) number(name string) *float64 {
	n := f.m[name]
	if n == nil {
		return nil
	}
	v, ok := scalarNumber(n)
	if !ok {
		f.r.addf(n.Line, "%s: %s must be a number, not %s", f.what, name, describe(n))
		return nil
	}
	return &v
}

// scalarNumber accepts YAML ints and floats but not quoted numbers, NaN or infinities.
func scalarNumber(n *yaml.Node) (float64, bool) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		return 0, false
	}
	var v float64
	if n.Decode(&v) != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// items returns a sequence's items. A required list must have at least one.
func (f fields) items(name string, required bool) []*yaml.Node {
	n := f.m[name]
	if n == nil {
		if required {
			f.missing(name)
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		f.r.addf(n.Line, "%s: %s must be a list, not %s", f.what, name, describe(n))
		return nil
	}
	if required && len(n.Content) == 0 {
		f.r.addf(n.Line, "%s: %s must not be empty", f.what, name)
	}
	return n.Content
}

// describe names what a node is for messages such as "must be text, not a list".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "empty"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	}
	return "this"
}

// closest returns the known name within two edits of s, if one is.
func closest(s string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(s, k, bestDist); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, cut short at limit: only near misses matter, and
// field names in a hostile file can be long.
func editDistance(a, b string, limit int) int {
	if len(a) > 64 || len(b) > 64 {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
