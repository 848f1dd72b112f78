package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

const builtinYAML = "../../assessments/questionnaire/builtin/llm-finetuning.yaml"

// brokenYAML has three problems Parse finds, on lines 8, 12 and 18.
const brokenYAML = `key: broken
version: 1
title: Broken
sections:
  - key: purpose
    title: Purpose
    questions:
      - key: Bad-Key
        type: text
        label: A
      - key: b
        type: choise
        label: B
rules:
  - key: r
    title: R
    category: purpose
    likelihood: 9
    severity: 2
    mitigations: [dp-sgd]
    when: {question: b, answered: true}
`

// unknownMitigationYAML parses, but names a mitigation the catalogue lacks, on line 17.
const unknownMitigationYAML = `key: tiny
version: 3
title: Tiny
sections:
  - key: purpose
    title: Purpose
    questions:
      - key: a
        type: yes_no
        label: A
rules:
  - key: r
    title: R
    category: purpose
    likelihood: 2
    severity: 2
    mitigations: [dp-sgd, no-such-mitigation]
    when: {question: a, equals: "no"}
`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestQuestionnaireLint(t *testing.T) {
	broken := writeFile(t, "broken.yaml", brokenYAML)
	unknown := writeFile(t, "tiny.yaml", unknownMitigationYAML)
	oversize := writeFile(t, "big.yaml", "# "+strings.Repeat("x", questionnaire.MaxFileSize))
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	cases := []struct {
		name    string
		args    []string
		wantErr string   // "" for success
		stdout  []string // substrings of stdout
		lines   []int    // the problem lines printed, in order
	}{
		{name: "built-in", args: []string{builtinYAML},
			stdout: []string{builtinYAML + ": ok: questionnaire llm-finetuning version 1, 8 sections, "}},
		{name: "broken", args: []string{broken}, wantErr: "lint: 3 problems in " + broken,
			stdout: []string{broken + `:8: `, `"Bad-Key"`, `unknown type "choise"`, "likelihood 9"}, lines: []int{8, 12, 18}},
		{name: "unknown mitigation", args: []string{unknown}, wantErr: "lint: 1 problem in " + unknown,
			stdout: []string{unknown + `:17: rule r: mitigation "no-such-mitigation" is not in the catalogue`}, lines: []int{17}},
		{name: "missing file", args: []string{missing}, wantErr: "no such file"},
		{name: "oversize file", args: []string{oversize}, wantErr: fmt.Sprintf("is larger than %d bytes", questionnaire.MaxFileSize)},
		{name: "no file", args: nil, wantErr: "missing argument"},
		{name: "two files", args: []string{broken, unknown}, wantErr: "unexpected argument"},
	}
	problemLine := regexp.MustCompile(`^.+:(\d+): \S`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, "", nil, append([]string{"questionnaire", "lint"}, tc.args...)...)
			switch {
			case tc.wantErr == "" && r.err != nil:
				t.Fatalf("err = %v\n%s", r.err, r.stdout)
			case tc.wantErr != "" && (r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", r.err, tc.wantErr)
			case r.err != nil && strings.Contains(r.err.Error(), "\n"):
				t.Errorf("error is more than one line: %q", r.err)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			if tc.lines == nil {
				return
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
				m := problemLine.FindStringSubmatch(line)
				if m == nil {
					t.Errorf("not a file:line: problem: %q", line)
					continue
				}
				got = append(got, m[1])
			}
			if want := strings.Trim(fmt.Sprint(tc.lines), "[]"); strings.Join(got, " ") != want {
				t.Errorf("problem lines = %v, want %s\n%s", got, want, r.stdout)
			}
		})
	}
}

func TestQuestionnaireShowBuiltin(t *testing.T) {
	absent := filepath.Join(t.TempDir(), "absent")
	environ := map[string]string{"PIAF_DATA": absent}
	cases := []struct {
		name    string
		args    []string
		wantErr string
		stdout  []string
	}{
		{name: "newest", args: []string{"llm-finetuning"}, stdout: []string{
			"LLM fine-tuning privacy impact assessment\nkey llm-finetuning, version 1 (built-in; versions: 1)\n",
			"\n1. Project and purpose (purpose)\n",
			"\n4. Differential privacy (differential_privacy)\n",
			"   - purpose_description [long_text, required] What is the model fine-tuned to do",
			"       options: consent, contract, legal_obligation,",
			`       show if: legal_basis = "legitimate_interest"`,
			"[number, required, 0.., examples]",
			"   - no-legal-basis [L4×S3, purpose] No legal basis determined for training\n",
			`       when: not (personal_data_present = "no") and legal_basis = "not_determined"`,
			"       mitigations: legal-basis-documentation, dpo-consultation\n",
			` has any of ("`,
		}},
		{name: "version", args: []string{"--version", "1", "llm-finetuning"}, stdout: []string{"key llm-finetuning, version 1"}},
		{name: "explicit data folder", args: []string{"--data", absent, "llm-finetuning"}, stdout: []string{"version 1"}},
		{name: "unknown version", args: []string{"--version", "7", "llm-finetuning"}, wantErr: "show: questionnaire llm-finetuning has no version 7; versions: 1"},
		{name: "unknown key", args: []string{"nope"}, wantErr: `show: no questionnaire "nope"; known: llm-finetuning`},
		{name: "no key", args: nil, wantErr: "missing argument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, "", environ, append([]string{"questionnaire", "show"}, tc.args...)...)
			switch {
			case tc.wantErr == "" && r.err != nil:
				t.Fatalf("err = %v", r.err)
			case tc.wantErr != "" && (r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", r.err, tc.wantErr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			if _, err := os.Stat(absent); !os.IsNotExist(err) {
				t.Fatalf("show created the data folder %s (stat: %v)", absent, err)
			}
		})
	}
}

// TestQuestionnaireShowStored shows versions that exist only in the database.
func TestQuestionnaireShowStored(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: "dpo@example.org", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(builtinYAML)
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(strings.Replace(string(src), "version: 1\n", "version: 2\n", 1),
		"title: LLM fine-tuning privacy", "title: Revised LLM fine-tuning privacy", 1)
	if err := st.ImportQuestionnaire(ctx, "llm-finetuning", 2, "Revised", []byte(v2), u.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.ImportQuestionnaire(ctx, "tiny", 3, "Tiny", []byte(unknownMitigationYAML), u.ID); err != nil {
		t.Fatal(err)
	}
	st.Close()

	cases := []struct {
		args    []string
		wantErr string
		stdout  []string
	}{
		{args: []string{"llm-finetuning"}, stdout: []string{"Revised LLM fine-tuning", "key llm-finetuning, version 2 (imported ", "versions: 1, 2)"}},
		{args: []string{"--version", "1", "llm-finetuning"}, stdout: []string{"\nkey llm-finetuning, version 1 (built-in; versions: 1, 2)"}},
		{args: []string{"tiny"}, stdout: []string{"key tiny, version 3", `   - r [L2×S2, purpose] R`, `when: a = "no"`}},
		{args: []string{"other"}, wantErr: `known: llm-finetuning, tiny`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCmd(t, "", nil, append([]string{"questionnaire", "show", "--data", data}, tc.args...)...)
			switch {
			case tc.wantErr == "" && r.err != nil:
				t.Fatalf("err = %v", r.err)
			case tc.wantErr != "" && (r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", r.err, tc.wantErr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

func TestConditionString(t *testing.T) {
	d := &questionnaire.Definition{Sections: []*questionnaire.Section{{Questions: []*questionnaire.Question{
		{Key: "kinds", Type: questionnaire.MultiChoice},
		{Key: "uses_dp", Type: questionnaire.YesNo},
		{Key: "epsilon", Type: questionnaire.Number},
	}}}}
	yes, no := true, false
	ten, one := 10.0, 1.0
	leaf := func(c questionnaire.Condition) *questionnaire.Condition { return &c }
	usesDP := leaf(questionnaire.Condition{Question: "uses_dp", Equals: "yes"})
	cases := []struct {
		c    *questionnaire.Condition
		want string
	}{
		{nil, "always"},
		{usesDP, `uses_dp = "yes"`},
		{leaf(questionnaire.Condition{Question: "epsilon", Equals: 8.5}), `epsilon = 8.5`},
		{leaf(questionnaire.Condition{Question: "uses_dp", In: []any{"no", "unknown"}}), `uses_dp in ("no", "unknown")`},
		{leaf(questionnaire.Condition{Question: "kinds", Equals: "health"}), `kinds has "health"`},
		{leaf(questionnaire.Condition{Question: "kinds", In: []any{"health", "names"}}), `kinds has any of ("health", "names")`},
		{leaf(questionnaire.Condition{Question: "epsilon", Answered: &no}), `not answered(epsilon)`},
		{leaf(questionnaire.Condition{Not: leaf(questionnaire.Condition{Question: "epsilon", Answered: &yes})}), `not answered(epsilon)`},
		{leaf(questionnaire.Condition{Not: usesDP}), `not (uses_dp = "yes")`},
		{leaf(questionnaire.Condition{All: []*questionnaire.Condition{usesDP}}), `uses_dp = "yes"`},
		{leaf(questionnaire.Condition{All: []*questionnaire.Condition{}}), `true`},
		{leaf(questionnaire.Condition{All: []*questionnaire.Condition{
			usesDP,
			{Any: []*questionnaire.Condition{{Question: "epsilon", Gt: &ten}, {Question: "epsilon", Answered: &no}}},
		}}), `uses_dp = "yes" and (epsilon > 10 or not answered(epsilon))`},
		{leaf(questionnaire.Condition{Any: []*questionnaire.Condition{
			{All: []*questionnaire.Condition{usesDP, {Question: "epsilon", Lt: &one}}},
			{Not: &questionnaire.Condition{Any: []*questionnaire.Condition{usesDP, usesDP}}},
		}}), `(uses_dp = "yes" and epsilon < 1) or not (uses_dp = "yes" or uses_dp = "yes")`},
	}
	for _, tc := range cases {
		if got := conditionString(d, tc.c); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
