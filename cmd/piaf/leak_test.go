package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMIAEval(t *testing.T) {
	// scikit-learn's roc_auc_score example (doc/modules/model_evaluation.rst): AUC 0.75.
	scores := writeFile(t, "scores.csv", "score,member\n0.1,0\n0.4,0\n0.35,1\n0.8,1\n")
	r := runCmd(t, "", nil, "mia", "eval", "--json", scores)
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || strings.Count(strings.TrimSpace(r.stdout), "\n") != 0 {
		t.Fatalf("not one JSON object: %v %q", err, r.stdout)
	}
	want := map[string]any{"auc": 0.75, "tpr_at_fpr": map[string]any{"0.001": 0.5, "0.01": 0.5}, "advantage": 0.5,
		"balanced_accuracy": 0.75, "members": 2.0, "non_members": 2.0}
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if ci, ok := got["auc_ci"].([]any); !ok || len(ci) != 2 {
		t.Errorf("auc_ci = %v", got["auc_ci"])
	}
	if _, ok := got["roc"]; ok {
		t.Error("the CLI prints the figures, not the curve")
	}

	// Losses: lower means member, so the same file read that way gives 1 - AUC.
	r = runCmd(t, "", nil, "mia", "eval", "--json", "--lower-is-member", scores)
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got["auc"] != 0.25 {
		t.Errorf("lower-is-member: %v %s", r.err, r.stdout)
	}

	svg := filepath.Join(t.TempDir(), "roc.svg")
	r = runCmd(t, `{"members": [3, 4], "non_members": [1, 2]}`, nil, "mia", "eval", "--svg", svg, "-")
	if r.err != nil || !strings.Contains(r.stdout, "AUC 1.0000") || !strings.Contains(r.stdout, "credible: NO") || !strings.Contains(r.stdout, "attack: not stated") {
		t.Errorf("text output: %v\n%s", r.err, r.stdout)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.HasPrefix(string(b), "<svg") {
		t.Errorf("svg: %v", err)
	}
}

func TestLeakCommandErrors(t *testing.T) {
	csv := func(body string) string { return writeFile(t, "s.csv", "score,member\n"+body) }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"mia", "eval", csv("1,1\nabc,0\n")}, `s.csv: line 3: score: "abc" is not a number`},
		{[]string{"mia", "eval", csv("1,1\nNaN,0\n")}, `line 3: score: "NaN" is not a finite number`},
		{[]string{"mia", "eval", csv("1,1\n2,1\n")}, "non_members: no scores"},
		{[]string{"mia", "eval", "--attack", "magic", csv("1,1\n2,0\n")}, "attack:"},
		{[]string{"mia", "eval"}, "missing argument"},
		{[]string{"mia", "run"}, "mia: say what to do"},
		{[]string{"canary", "exposure"}, "--canaries is required"},
		{[]string{"canary", "exposure", "--canaries", writeFile(t, "c.csv", "canary,loss\nc1,1\n")}, "references: none given"},
		{[]string{"canary", "exposure", "--canaries", writeFile(t, "c.csv", "canary,loss\nc1,x\n"), "--references", "r"}, "c.csv: line 2: loss"},
	} {
		r := runCmd(t, "", nil, tc.args...)
		if r.err == nil || !strings.Contains(r.err.Error(), tc.want) || strings.Contains(r.err.Error(), "\n") {
			t.Errorf("%v: err %v, want %q", tc.args, r.err, tc.want)
		}
	}
}

func TestCanaryExposure(t *testing.T) {
	canaries := writeFile(t, "canaries.csv", "canary,loss\nbest,0.5\nworst,9\nmid,2.5\n")
	refs := writeFile(t, "refs.txt", "4\n1\n3\n2\n")
	r := runCmd(t, "", nil, "canary", "exposure", "--json", "--copies", "5", "--canaries", canaries, "--references", refs)
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got struct {
		Canaries []struct {
			ID             string  `json:"id"`
			Exposure       float64 `json:"exposure"`
			Rank           int     `json:"rank"`
			InsertedCopies int     `json:"inserted_copies"`
		} `json:"canaries"`
		MaxExposure float64 `json:"max_exposure"`
		References  int     `json:"references"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err, r.stdout)
	}
	// |R| = 4: beating all is log2 4 = 2 bits; losing to all is rank 5, 2 - log2 5.
	if got.MaxExposure != 2 || got.References != 4 || len(got.Canaries) != 3 || got.Canaries[0].Rank != 1 ||
		got.Canaries[1].Rank != 5 || math.Abs(got.Canaries[1].Exposure-(2-math.Log2(5))) > 1e-12 || got.Canaries[2].InsertedCopies != 5 {
		t.Errorf("%+v", got)
	}
	r = runCmd(t, "", nil, "canary", "exposure", "--canaries", canaries, "--references", refs)
	if r.err != nil || !strings.Contains(r.stdout, "best: rank 1, exposure 2.00 bits (beats every reference; estimated") {
		t.Errorf("text: %v\n%s", r.err, r.stdout)
	}
}
