package questionnaire

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// head is a valid definition of 10 lines; cases append to it, so line 11 is their first.
const head = `key: t
version: 1
title: T
sections:
  - key: s
    title: S
    questions:
      - key: a
        type: yes_no
        label: A
`

// rule is a valid rule list for head, on lines 11 to 18.
const rule = `rules:
  - key: r
    title: R
    category: s
    likelihood: 2
    severity: 2
    mitigations: [m]
    when: {question: a, equals: "no"}
`

func TestParseValid(t *testing.T) {
	for _, src := range []string{head, head + rule} {
		if _, err := Parse("t.yaml", []byte(src)); err != nil {
			t.Errorf("Parse:\n%v\nsource:\n%s", err, src)
		}
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		want string
	}{
		{"empty file", "", 0, "file is empty"},
		{"comment only", "# nothing\n", 0, "file is empty"},
		// yaml.v3 reports where the construct holding a syntax error starts.
		{"not yaml", "key: t\ntitle: t\n\tversion: 1\n", 2, "invalid YAML"},
		{"top list", "- key: t\n", 1, "definition must be a mapping"},
		{"missing key", strings.Replace(head, "key: t\n", "", 1), 1, "definition: key is required"},
		{"bad key", strings.Replace(head, "key: t", "key: T_1", 1), 1, `definition key "T_1" may only contain a-z, 0-9 and -`},
		{"long key", strings.Replace(head, "key: t", "key: "+strings.Repeat("k", 65), 1), 1, "longer than 64"},
		{"missing version", strings.Replace(head, "version: 1\n", "", 1), 1, "version is required"},
		{"zero version", strings.Replace(head, "version: 1", "version: 0", 1), 2, "version must be a positive whole number"},
		{"text version", strings.Replace(head, "version: 1", "version: one", 1), 2, `version must be a whole number, not "one"`},
		{"float version", strings.Replace(head, "version: 1", "version: 1.5", 1), 2, "version must be a whole number"},
		{"missing title", strings.Replace(head, "title: T\n", "", 1), 1, "definition t: title is required"},
		{"blank title", strings.Replace(head, "title: T", `title: "  "`, 1), 1, "definition t: title is required"},
		{"list title", strings.Replace(head, "title: T", "title: [T]", 1), 3, "title must be text, not a list"},
		{"no sections", "key: t\nversion: 1\ntitle: T\nsections: []\n", 4, "sections must not be empty"},
		{"missing sections", "key: t\nversion: 1\ntitle: T\n", 1, "sections is required"},
		{"typo top", head + "rulez: []\n", 11, `unknown field "rulez" (did you mean "rules"?)`},
		{"typo question", head + "        requird: true\n", 11, `question a: unknown field "requird" (did you mean "required"?)`},
		{"unknown far field", head + "        colour: red\n", 11, `unknown field "colour" (known: key, type`},
		{"field twice", head + "        label: B\n", 11, `field "label" given twice (first on line 10)`},
		{"aliases", strings.Replace(head, "label: A", "label: &x A", 1) + "      - key: b\n        type: yes_no\n        label: *x\n", 13, "aliases (*x) are not supported"},
		{"section no questions", head + "  - key: t\n    title: T\n    questions: []\n", 13, "section t: questions must not be empty"},
		{"section no title", head + "  - key: t\n    questions: [{key: b, type: text, label: B}]\n", 11, "section t: title is required"},
		{"duplicate section", head + "  - key: s\n    title: T\n    questions: [{key: b, type: text, label: B}]\n", 11, `duplicate section key "s" (first on line 5)`},
		{"duplicate question", head + "      - key: a\n        type: text\n        label: B\n", 11, `duplicate question key "a" (first on line 8)`},
		{"bad question key", head + "      - key: b-c\n        type: text\n        label: B\n", 11, `question key "b-c" may only contain a-z, 0-9 and _`},
		{"missing type", head + "      - key: b\n        label: B\n", 11, "question b: type is required"},
		{"unknown type", head + "      - key: b\n        type: choise\n        label: B\n", 12, `unknown type "choise"`},
		{"missing label", head + "      - key: b\n        type: text\n", 11, "question b: label is required"},
		{"required not bool", head + "        required: maybe\n", 11, "required must be true or false"},
		{"choice no options", head + "      - key: b\n        type: choice\n        label: B\n", 11, "question b: options is required"},
		{"choice one option", head + "      - key: b\n        type: multi_choice\n        label: B\n        options: [{value: x, label: X}]\n", 14, "need at least 2 options"},
		{"options on text", head + "      - key: b\n        type: text\n        label: B\n        options: [{value: x, label: X}, {value: y, label: Y}]\n", 14, "options are only for choice and multi_choice"},
		{"options on yes_no", head + "        options: [{value: x, label: X}, {value: y, label: Y}]\n", 11, "yes_no questions take no options"},
		{"duplicate option", head + "      - key: b\n        type: choice\n        label: B\n        options:\n          - {value: x, label: X}\n          - {value: x, label: Y}\n", 16, `duplicate option key "x" (first on line 15)`},
		{"option no label", head + "      - key: b\n        type: choice\n        label: B\n        options:\n          - {value: x, label: X}\n          - {value: y}\n", 16, "option: label is required"},
		{"bad option value", head + "      - key: b\n        type: choice\n        label: B\n        options:\n          - {value: x, label: X}\n          - {value: Y!, label: Y}\n", 16, `option value "Y!" may only contain`},
		{"min over max", head + "      - key: n\n        type: number\n        label: N\n        min: 10\n        max: 5\n", 14, "min 10 is greater than max 5"},
		{"min on text", head + "      - key: b\n        type: text\n        label: B\n        min: 1\n", 14, "min is only for number questions"},
		{"unit on yes_no", head + "        unit: records\n", 11, "unit is only for number questions"},
		{"min not number", head + "      - key: n\n        type: number\n        label: N\n        min: low\n", 14, `min must be a number, not "low"`},
		{"min nan", head + "      - key: n\n        type: number\n        label: N\n        min: .nan\n", 14, "min must be a number"},
		{"unknown question", head + "        show_if: {question: nope, answered: true}\n", 11, `unknown question "nope"`},
		{"no form", head + "      - key: b\n        type: text\n        label: B\n        show_if: {question: a}\n", 14, "condition: needs one of all, any, not"},
		{"empty condition", head + "      - key: b\n        type: text\n        label: B\n        show_if: {}\n", 14, "condition: needs one of"},
		{"several forms", head + "      - key: b\n        type: text\n        label: B\n        show_if: {question: a, equals: \"yes\", answered: true}\n", 14, "several forms (equals, answered)"},
		{"question with all", head + "      - key: b\n        type: text\n        label: B\n        show_if:\n          question: a\n          all: [{question: a, equals: \"yes\"}]\n", 15, "question cannot be used with all"},
		{"empty all", head + "      - key: b\n        type: text\n        label: B\n        show_if: {all: []}\n", 14, "all must not be empty"},
		{"leaf without question", head + "      - key: b\n        type: text\n        label: B\n        show_if: {equals: \"yes\"}\n", 14, "condition: question is required"},
		{"condition not mapping", head + "      - key: b\n        type: text\n        label: B\n        show_if: [a]\n", 14, "condition must be a mapping"},
		{"equals not an answer", head + "      - key: b\n        type: text\n        label: B\n        show_if: {question: a, equals: maybe}\n", 14, `"maybe" is not an answer to yes_no question "a"`},
		{"equals not an option", head + "      - key: c\n        type: choice\n        label: C\n        options: [{value: x, label: X}, {value: y, label: Y}]\n      - key: b\n        type: text\n        label: B\n        show_if:\n          question: c\n          equals: z\n", 20, `"z" is not an option of "c" (options: x, y)`},
		{"in not an option", head + "      - key: c\n        type: multi_choice\n        label: C\n        options: [{value: x, label: X}, {value: y, label: Y}]\n      - key: b\n        type: text\n        label: B\n        show_if:\n          question: c\n          in:\n            - x\n            - w\n", 22, `"w" is not an option of "c"`},
		{"equals list", head + "      - key: b\n        type: text\n        label: B\n        show_if: {question: a, equals: [\"yes\"]}\n", 14, "equals takes one value, not a list"},
		{"equals text on number", head + "      - key: n\n        type: number\n        label: N\n      - key: b\n        type: text\n        label: B\n        show_if: {question: n, equals: many}\n", 17, `"many" is not a number, and "n" is a number question`},
		{"bad date", head + "      - key: d\n        type: date\n        label: D\n      - key: b\n        type: text\n        label: B\n        show_if: {question: d, equals: 2024-13-01}\n", 17, `"2024-13-01" is not a date YYYY-MM-DD`},
		{"gt on yes_no", head + "      - key: b\n        type: text\n        label: B\n        show_if: {question: a, gt: 3}\n", 14, `gt, gte, lt and lte need a number question, and "a" is yes_no`},
		{"gt not number", head + "      - key: n\n        type: number\n        label: N\n      - key: b\n        type: text\n        label: B\n        show_if: {question: n, gt: \"3\"}\n", 17, "gt must be a number"},
		{"answered not bool", head + "      - key: b\n        type: text\n        label: B\n        show_if: {question: a, answered: 1}\n", 14, "answered must be true or false"},
		{"self reference", head + "        show_if: {question: a, answered: true}\n", 11, "show_if refers to the question itself"},
		{"self reference deep", head + "        show_if:\n          not: {any: [{question: a, equals: \"yes\"}]}\n", 11, "show_if refers to the question itself"},
		{"cycle", head + "        show_if: {question: b, answered: true}\n      - key: b\n        type: text\n        label: B\n        show_if: {question: a, equals: \"yes\"}\n", 15, "question b: show_if cycle a -> b -> a"},
		{"long cycle", head + "        show_if: {question: c, answered: true}\n      - key: b\n        type: text\n        label: B\n        show_if: {question: a, answered: true}\n      - key: c\n        type: text\n        label: C\n        show_if: {question: b, answered: true}\n", 15, "question b: show_if cycle a -> c -> b -> a"},
		{"rules not list", head + "rules: {}\n", 11, "rules must be a list, not a mapping"},
		{"rule typo", head + strings.Replace(rule, "severity", "severty", 1), 16, `unknown field "severty" (did you mean "severity"?)`},
		{"rule bad key", head + strings.Replace(rule, "key: r", "key: r_1", 1), 12, `rule key "r_1" may only contain a-z, 0-9 and -`},
		{"rule duplicate", head + rule + strings.TrimPrefix(rule, "rules:\n"), 19, `duplicate rule key "r" (first on line 12)`},
		{"rule no title", head + strings.Replace(rule, "    title: R\n", "", 1), 12, "rule r: title is required"},
		{"rule no when", head + strings.Replace(rule, "    when: {question: a, equals: \"no\"}\n", "", 1), 12, "rule r: when is required"},
		{"rule bad when", head + strings.Replace(rule, "equals: \"no\"", "equals: nah", 1), 18, `"nah" is not an answer`},
		{"rule unknown category", head + strings.Replace(rule, "category: s", "category: dp", 1), 14, `rule r: category "dp" is not a section key`},
		{"rule no category", head + strings.Replace(rule, "    category: s\n", "", 1), 12, "rule r: category is required"},
		{"likelihood high", head + strings.Replace(rule, "likelihood: 2", "likelihood: 5", 1), 15, "likelihood 5 is a bad scale value"},
		{"severity zero", head + strings.Replace(rule, "severity: 2", "severity: 0", 1), 16, "severity 0 is a bad scale value"},
		{"severity missing", head + strings.Replace(rule, "    severity: 2\n", "", 1), 12, "rule r: severity is required"},
		{"no mitigations", head + strings.Replace(rule, "mitigations: [m]", "mitigations: []", 1), 17, "rule r: mitigations must not be empty"},
		{"missing mitigations", head + strings.Replace(rule, "    mitigations: [m]\n", "", 1), 12, "rule r: mitigations is required"},
		{"duplicate mitigation", head + strings.Replace(rule, "mitigations: [m]", "mitigations:\n      - m\n      - m", 1), 19, `duplicate mitigation key "m" (first on line 18)`},
		{"bad mitigation key", head + strings.Replace(rule, "mitigations: [m]", "mitigations: [M_1]", 1), 17, `mitigation "M_1" may only contain`},
		{"mitigation not text", head + strings.Replace(rule, "mitigations: [m]", "mitigations: [{m: 1}]", 1), 17, "mitigation must be a catalogue key, not a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("t.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("no problem reported; source:\n%s", tt.src)
			}
			if d != nil {
				t.Errorf("got a definition along with problems")
			}
			var probs Problems
			if !errors.As(err, &probs) {
				t.Fatalf("error is %T, want Problems", err)
			}
			for _, p := range probs {
				if p.Line == tt.line && strings.Contains(p.Msg, tt.want) {
					if p.File != "t.yaml" {
						t.Errorf("file = %q", p.File)
					}
					return
				}
			}
			t.Errorf("want line %d: %q; got:\n%v", tt.line, tt.want, err)
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := head + "        requird: true\n      - key: a\n        type: choise\n        label: B\n" + strings.Replace(rule, "likelihood: 2", "likelihood: 9", 1)
	_, err := Parse("t.yaml", []byte(src))
	want := `t.yaml:11: question a: unknown field "requird" (did you mean "required"?)
t.yaml:12: duplicate question key "a" (first on line 8)
t.yaml:13: question a: unknown type "choise" (want one of choice, multi_choice, yes_no, text, long_text, number, date)
t.yaml:19: rule r: likelihood 9 is a bad scale value, want 1 (negligible) to 4 (maximum)`
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestParseTypesConditionValues(t *testing.T) {
	d := mustParse(t, "testdata/small.yaml")
	q, _ := d.Question("epsilon")
	if got := q.ShowIf.In; len(got) != 2 || got[0] != "yes" || got[1] != "partial" {
		t.Errorf("epsilon show_if in = %#v", got)
	}
	when := d.Rules[1].When.All[0]
	if when.Gt == nil || *when.Gt != 10 {
		t.Errorf("weak-epsilon gt = %v", when.Gt)
	}
	// A YAML number compared with a choice answer is the option's text, not a float.
	src := head + "      - key: c\n        type: choice\n        label: C\n        options: [{value: \"1\", label: One}, {value: \"2\", label: Two}]\n        show_if: {question: a, equals: \"yes\"}\n      - key: b\n        type: text\n        label: B\n        show_if: {question: c, equals: 1}\n"
	d, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Question("b")
	if b.ShowIf.Equals != "1" {
		t.Errorf("equals = %#v, want \"1\"", b.ShowIf.Equals)
	}
}

func TestDefinitionJSON(t *testing.T) {
	d := mustParse(t, "testdata/small.yaml")
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"show_if":{"question":"legal_basis","equals":"legitimate_interest"}`,
		`"show_if":{"question":"uses_dp","in":["yes","partial"]}`,
		`"when":{"all":[{"question":"epsilon","gt":10},{"not":{"question":"data_kinds","in":["health"]}}]}`,
		`"min":0,"max":100`,
		`"options":[{"value":"consent","label":"Consent"}`,
		`"section":"purpose"`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	var back Definition
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if q, ok := back.Question("epsilon"); !ok || q.ShowIf.In[1] != "partial" {
		t.Errorf("round trip lost epsilon's show_if")
	}
}

func mustParse(t testing.TB, name string) *Definition {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
