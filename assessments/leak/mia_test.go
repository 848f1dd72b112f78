package leak

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func evaluate(t *testing.T, d MIADesign, members, nonMembers []float64) MIAResult {
	t.Helper()
	r, err := EvaluateMIA(d, Scores{Members: members, NonMembers: nonMembers})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestScikitLearnExamples checks the examples of scikit-learn's documentation:
//   - roc_curve docstring (scikit-learn/scikit-learn, sklearn/metrics/_ranking.py): y = [1, 1, 2, 2],
//     scores = [0.1, 0.4, 0.35, 0.8], pos_label=2 gives fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1];
//   - roc_auc_score, User Guide (doc/modules/model_evaluation.rst, "Receiver operating
//     characteristic"): y_true = [0, 0, 1, 1], the same scores, gives 0.75.
func TestScikitLearnExamples(t *testing.T) {
	r := evaluate(t, MIADesign{}, []float64{0.35, 0.8}, []float64{0.1, 0.4})
	want := []Point{{0, 0}, {0, 0.5}, {0.5, 0.5}, {0.5, 1}, {1, 1}}
	if !reflect.DeepEqual(r.ROC, want) {
		t.Errorf("ROC = %v, want %v", r.ROC, want)
	}
	if r.AUC != 0.75 {
		t.Errorf("AUC = %v, want 0.75", r.AUC)
	}
	// By hand from that curve: only (0, 0.5) has FPR <= 1%; the best TPR - FPR is 0.5 (at (0, 0.5)
	// and (0.5, 1)); balanced accuracy (TPR + TNR)/2 is then 0.75.
	if r.TPRAtFPR["0.001"] != 0.5 || r.TPRAtFPR["0.01"] != 0.5 || r.Advantage != 0.5 || r.BalancedAccuracy != 0.75 {
		t.Errorf("figures = %+v", r)
	}
}

// TestTiesCountHalf draws a curve with a member and a non-member on the same score: of the 6
// member/non-member pairs, 3 are ordered right, 2 tie (one half each) and 1 is wrong: AUC 4/6.
func TestTiesCountHalf(t *testing.T) {
	r := evaluate(t, MIADesign{}, []float64{1, 2, 2}, []float64{0, 2})
	if !near(r.AUC, 4.0/6) {
		t.Errorf("AUC = %v, want 2/3", r.AUC)
	}
	want := []Point{{0, 0}, {0.5, 2.0 / 3}, {0.5, 1}, {1, 1}}
	if !reflect.DeepEqual(r.ROC, want) {
		t.Errorf("ROC = %v, want %v", r.ROC, want)
	}
	if r.TPRAtFPR["0.01"] != 0 || r.Advantage != 0.5 || r.BalancedAccuracy != 0.75 {
		t.Errorf("figures = %+v", r)
	}
}

// TestTPRAtLowFPR: 1000 non-members scored 1..1000; 100 members: 5 above every non-member, 10 just
// below the top non-member, 85 below all. By hand: at FPR 0 the TPR is 5/100; one false positive
// (FPR exactly 0.1%, within the bound) lets in 10 more: TPR 0.15 at both bounds. AUC counts
// 5*1000 + 10*999 ordered pairs of 100*1000; the advantage peaks at 0.15 - 0.001.
func TestTPRAtLowFPR(t *testing.T) {
	var members, non []float64
	for i := 1; i <= 1000; i++ {
		non = append(non, float64(i))
	}
	for i := 0; i < 100; i++ {
		switch {
		case i < 5:
			members = append(members, 2000)
		case i < 15:
			members = append(members, 999.5)
		default:
			members = append(members, 0)
		}
	}
	r := evaluate(t, MIADesign{}, members, non)
	if r.TPRAtFPR["0.001"] != 0.15 || r.TPRAtFPR["0.01"] != 0.15 {
		t.Errorf("tpr_at_fpr = %v, want 0.15 at both", r.TPRAtFPR)
	}
	if !near(r.AUC, 14990.0/100000) || !near(r.Advantage, 0.149) {
		t.Errorf("auc %v advantage %v", r.AUC, r.Advantage)
	}
	// One more false positive before those 10 members and FPR 0.1% allows only the first 5.
	non[999] = 999.6
	non[998] = 999.7
	r = evaluate(t, MIADesign{}, members, non)
	if r.TPRAtFPR["0.001"] != 0.05 || r.TPRAtFPR["0.01"] != 0.15 {
		t.Errorf("tpr_at_fpr = %v, want 0.05 and 0.15", r.TPRAtFPR)
	}
}

func randomScores(seed uint64, n int, shift float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Round(rng.NormFloat64()*10 + shift) // integers: many ties
	}
	return out
}

func TestProperties(t *testing.T) {
	members, non := randomScores(1, 3000, 3), randomScores(2, 2000, 0)
	base := evaluate(t, MIADesign{}, members, non)
	if base.AUC <= 0.5 || base.AUC >= 0.8 {
		t.Fatalf("AUC %v out of the expected range for this sample", base.AUC)
	}

	t.Run("perfect separator", func(t *testing.T) {
		r := evaluate(t, MIADesign{}, []float64{5, 6, 7}, []float64{1, 2, 3, 4})
		if r.AUC != 1 || r.Advantage != 1 || r.TPRAtFPR["0.001"] != 1 || r.AUCCI != [2]float64{1, 1} {
			t.Errorf("%+v", r)
		}
		r = evaluate(t, MIADesign{}, []float64{1, 2, 3, 4}, []float64{5, 6, 7})
		if r.AUC != 0 || r.Advantage != 0 || r.BalancedAccuracy != 0.5 {
			t.Errorf("reversed: %+v", r)
		}
	})

	t.Run("monotone transforms", func(t *testing.T) {
		for name, f := range map[string]func(float64) float64{
			"exp":    func(x float64) float64 { return math.Exp(x / 10) },
			"affine": func(x float64) float64 { return 3*x - 7 },
			"cube":   func(x float64) float64 { return x * x * x },
		} {
			r := evaluate(t, MIADesign{}, mapScores(members, f), mapScores(non, f))
			if r.AUC != base.AUC || r.AUCCI != base.AUCCI || !reflect.DeepEqual(r.TPRAtFPR, base.TPRAtFPR) || r.Advantage != base.Advantage {
				t.Errorf("%s changed the figures: %+v vs %+v", name, r, base)
			}
		}
	})

	t.Run("reversed scores and lower-is-member", func(t *testing.T) {
		neg := func(x float64) float64 { return -x }
		r := evaluate(t, MIADesign{}, mapScores(members, neg), mapScores(non, neg))
		if !near(r.AUC, 1-base.AUC) {
			t.Errorf("reversed AUC %v, want %v", r.AUC, 1-base.AUC)
		}
		r = evaluate(t, MIADesign{LowerIsMember: true}, mapScores(members, neg), mapScores(non, neg))
		if r.AUC != base.AUC || r.AUCCI != base.AUCCI || r.Advantage != base.Advantage {
			t.Errorf("lower-is-member on negated scores: %+v vs %+v", r, base)
		}
	})

	t.Run("bootstrap", func(t *testing.T) {
		if !(base.AUCCI[0] < base.AUC && base.AUC < base.AUCCI[1]) || base.AUCCI[1]-base.AUCCI[0] > 0.1 {
			t.Errorf("interval %v around %v", base.AUCCI, base.AUC)
		}
		again := evaluate(t, MIADesign{}, members, non)
		other := evaluate(t, MIADesign{Seed: 7}, members, non)
		if again.AUCCI != base.AUCCI || other.AUCCI == base.AUCCI || base.Seed != 1 || base.BootstrapSamples != 1000 {
			t.Errorf("seeded bootstrap: %v %v %v", base.AUCCI, again.AUCCI, other.AUCCI)
		}
		// The standard error of an AUC (Hanley & McNeil 1982, eq. 2) gives a 95% half-width of
		// about 1.96*SE; the bootstrap's must be of the same size.
		a, n1, n0 := base.AUC, 3000.0, 2000.0
		q1, q2 := a/(2-a), 2*a*a/(1+a)
		se := math.Sqrt((a*(1-a) + (n1-1)*(q1-a*a) + (n0-1)*(q2-a*a)) / (n1 * n0))
		if half := (base.AUCCI[1] - base.AUCCI[0]) / 2; math.Abs(half-1.96*se) > 0.25*1.96*se {
			t.Errorf("bootstrap half-width %v, Hanley-McNeil %v", half, 1.96*se)
		}
	})

	t.Run("reduced curve", func(t *testing.T) {
		m, n := randomScores(3, 20_000, 1), randomScores(4, 20_000, 0)
		for i := range m {
			m[i] += float64(i%1000) / 1000 // few ties: thousands of operating points
			n[i] += float64(i%997) / 997
		}
		r := evaluate(t, MIADesign{}, m, n)
		if len(r.ROC) > maxDrawnPoints || len(r.ROC) < 50 {
			t.Fatalf("%d points drawn", len(r.ROC))
		}
		if r.ROC[0] != (Point{0, 0}) || r.ROC[len(r.ROC)-1] != (Point{1, 1}) {
			t.Errorf("ends %v %v", r.ROC[0], r.ROC[len(r.ROC)-1])
		}
		for i := 1; i < len(r.ROC); i++ {
			if r.ROC[i].FPR < r.ROC[i-1].FPR || r.ROC[i].TPR < r.ROC[i-1].TPR {
				t.Fatalf("not monotone at %d: %v %v", i, r.ROC[i-1], r.ROC[i])
			}
		}
		svg := string(r.SVG())
		if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, `data-testid="diagonal"`) || strings.Count(svg, ",") < len(r.ROC) {
			t.Errorf("svg: %.300s", svg)
		}
	})
}

func mapScores(v []float64, f func(float64) float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = f(x)
	}
	return out
}

func TestCredibility(t *testing.T) {
	members, non := randomScores(1, 1000, 1), randomScores(2, 1000, 0)
	good := MIADesign{Attack: AttackLiRA, ReferenceModels: 16, Selection: "random 50/50 split of the fine-tuning set", HeldOut: true}
	if r := evaluate(t, good, members, non); !r.Credibility.Credible || r.Figures()["credible"] != 1 {
		t.Errorf("credible design judged %+v", r.Credibility)
	}
	cases := []struct {
		d    MIADesign
		n    int
		want string
	}{
		{MIADesign{Selection: "x", HeldOut: true}, 1000, "attack: not stated"},
		{MIADesign{Attack: AttackLiRA, Selection: "x", HeldOut: true}, 1000, "reference_models:"},
		{MIADesign{Attack: AttackOther, Selection: "x", HeldOut: true}, 1000, "attack_detail:"},
		{MIADesign{Attack: AttackLossThreshold, HeldOut: true}, 1000, "selection:"},
		{MIADesign{Attack: AttackLossThreshold, Selection: "x"}, 1000, "held_out:"},
		{MIADesign{Attack: AttackLossThreshold, Selection: "x", HeldOut: true}, 999, "non_members: 999 examples, fewer than 1000"},
	}
	for _, tc := range cases {
		r := evaluate(t, tc.d, members, non[:tc.n])
		if r.Credibility.Credible || !strings.Contains(strings.Join(r.Credibility.Reasons, "|"), tc.want) || r.Figures()["credible"] != 0 {
			t.Errorf("%+v: %+v, want a reason %q", tc.d, r.Credibility, tc.want)
		}
	}
}

func TestValidateNamesField(t *testing.T) {
	for _, tc := range []struct {
		d    MIADesign
		s    Scores
		want string
	}{
		{MIADesign{Attack: "guess"}, Scores{[]float64{1}, []float64{0}}, "attack:"},
		{MIADesign{Attack: AttackLossThreshold, ReferenceModels: 4}, Scores{[]float64{1}, []float64{0}}, "reference_models:"},
		{MIADesign{ReferenceModels: -1}, Scores{[]float64{1}, []float64{0}}, "reference_models:"},
		{MIADesign{}, Scores{nil, []float64{0}}, "members: no scores"},
		{MIADesign{}, Scores{[]float64{1}, nil}, "non_members: no scores"},
		{MIADesign{}, Scores{[]float64{1, math.NaN()}, []float64{0}}, "members[1]: not a finite number"},
		{MIADesign{}, Scores{[]float64{1}, []float64{math.Inf(1)}}, "non_members[0]"},
	} {
		if _, err := EvaluateMIA(tc.d, tc.s); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v %+v: err %v, want %q", tc.d, tc.s, err, tc.want)
		}
	}
}

func TestParseScores(t *testing.T) {
	s, err := ParseScores(strings.NewReader("\uFEFFid,Score,member\na,0.9,1\nb,0.2,false\n\nc,0.5,TRUE\nd,1e-3,0\n"))
	if err != nil || !reflect.DeepEqual(s, Scores{Members: []float64{0.9, 0.5}, NonMembers: []float64{0.2, 0.001}}) {
		t.Fatalf("csv: %+v %v", s, err)
	}
	s, err = ParseScores(strings.NewReader(`{"members": [3, 2.5], "non_members": [1]}`))
	if err != nil || !reflect.DeepEqual(s, Scores{Members: []float64{3, 2.5}, NonMembers: []float64{1}}) {
		t.Fatalf("json: %+v %v", s, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"score,member\n1,1\nabc,0\n", `line 3: score: "abc" is not a number`},
		{"score,member\n1,1\nNaN,0\n", `line 3: score: "NaN" is not a finite number`},
		{"score,member\n1,1\n2,1\n-Inf,0\n", `line 4: score: "-Inf" is not a finite number`},
		{"score,member\n1,1\n2,yes\n", `line 3: member: "yes" is not 1, 0, true or false`},
		{"score,member\n1,1\n2,1\n", "non_members: no scores"},
		{"score\n1\n", `line 1: the header has no "member" column`},
		{"score,member\n1,1\n2\n", "line 3: 1 fields"},
		{"{\"members\": [1,\n 2],\n \"non_members\": [\"x\"]}", "line 3: non_members: want a float64, got string"},
		{"{\"members\": [1], \"nonmembers\": [2]}", "unknown field"},
		{"", "empty input"},
	} {
		if _, err := ParseScores(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: err %v, want %q", tc.in, err, tc.want)
		}
	}
}

func BenchmarkEvaluateMIA(b *testing.B) {
	m, n := randomScores(1, 100_000, 1), randomScores(2, 100_000, 0)
	for i := range m {
		m[i] += float64(i) / 1e6
	}
	b.ResetTimer()
	for range b.N {
		if _, err := EvaluateMIA(MIADesign{}, Scores{m, n}); err != nil {
			b.Fatal(err)
		}
	}
}
