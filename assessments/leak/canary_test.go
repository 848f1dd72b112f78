package leak

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestExposureByHand: four references with losses 1..4, |R| = 4, so exposure = 2 - log2(rank).
func TestExposureByHand(t *testing.T) {
	set := CanarySet{InsertedCopies: 3, References: []float64{4, 1, 3, 2}, Canaries: []Canary{
		{ID: "beats-all", Loss: 0.5},                      // rank 1: exposure log2 4 = 2
		{ID: "ties-second", Loss: 2},                      // one strictly lower: rank 2, exposure 1
		{ID: "middle", Loss: 2.5},                         // rank 3: 2 - log2 3
		{ID: "loses-to-all", Loss: 9, InsertedCopies: 10}, // rank 5: 2 - log2 5 < 0
	}}
	r, err := Exposure(set)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		rank   int
		exp    float64
		copies int
	}{{1, 2, 3}, {2, 1, 3}, {3, 2 - math.Log2(3), 3}, {5, 2 - math.Log2(5), 10}}
	for i, w := range want {
		c := r.Canaries[i]
		if c.Rank != w.rank || !near(c.Exposure, w.exp) || c.InsertedCopies != w.copies {
			t.Errorf("%s: rank %d exposure %v copies %d, want %+v", c.ID, c.Rank, c.Exposure, c.InsertedCopies, w)
		}
	}
	f := r.Figures()
	if f["max_exposure"] != 2 || f["max_possible_exposure"] != 2 || f["exposure_margin"] != 0 || f["references"] != 4 || f["canaries"] != 4 {
		t.Errorf("figures %v", f)
	}
	if r.Canaries[0].EstimatedExposure == nil || r.Canaries[1].EstimatedExposure != nil || r.EstimateMethod != EstimateSkewNormal {
		t.Errorf("only the canary beating every reference gets an estimate: %+v", r)
	}
}

// TestExposureEstimate: references 1..5 have mean 3, sample SD sqrt(2.5) and no skew, so the
// fitted skew-normal is the normal N(3, 2.5); a canary at loss 0 is z = -3/sqrt(2.5) and its
// estimate is -log2 Phi(z), Phi computed here with erfc.
func TestExposureEstimate(t *testing.T) {
	set := CanarySet{References: []float64{1, 2, 3, 4, 5}, Canaries: []Canary{{ID: "c", Loss: 0}}}
	r, err := Exposure(set)
	if err != nil {
		t.Fatal(err)
	}
	z := -3 / math.Sqrt(2.5)
	want := -math.Log2(0.5 * math.Erfc(-z/math.Sqrt2)) // about 5.11 bits
	if got := *r.Canaries[0].EstimatedExposure; math.Abs(got-want) > 1e-9 || got < math.Log2(5) || r.Fit.Shape != 0 {
		t.Errorf("estimate %v, want %v", got, want)
	}
	// A known space caps the estimate at log2 of its size; a space no larger than the references
	// needs no estimate at all.
	set.Canaries[0].Loss = -1000
	set.SpaceSize = 1 << 20
	r, _ = Exposure(set)
	if got := *r.Canaries[0].EstimatedExposure; got != 20 {
		t.Errorf("capped estimate %v, want 20", got)
	}
	set.SpaceSize = 5
	if r, _ = Exposure(set); r.Canaries[0].EstimatedExposure != nil {
		t.Errorf("estimate over an exhausted space")
	}
}

// TestLogNormalCDFTail: the asymptotic branch (z <= -30) agrees with erfc where erfc still holds.
func TestLogNormalCDFTail(t *testing.T) {
	for _, z := range []float64{-30, -32, -35, -37} {
		direct := math.Log(0.5 * math.Erfc(-z/math.Sqrt2))
		if got := logNormalCDF(z - 1e-9); math.Abs(got-direct)/math.Abs(direct) > 1e-8 {
			t.Errorf("z=%v: %v, erfc gives %v", z, got, direct)
		}
	}
	if v := logNormalCDF(-1000); math.IsInf(v, 0) || math.IsNaN(v) || v > -500000 {
		t.Errorf("far tail %v", v)
	}
}

func TestCanaryValidate(t *testing.T) {
	ok := CanarySet{References: []float64{1}, Canaries: []Canary{{ID: "a", Loss: 1}}}
	for _, tc := range []struct {
		mod  func(*CanarySet)
		want string
	}{
		{func(s *CanarySet) { s.Canaries = nil }, "canaries: none"},
		{func(s *CanarySet) { s.References = nil }, "references: none"},
		{func(s *CanarySet) { s.InsertedCopies = -1 }, "inserted_copies:"},
		{func(s *CanarySet) { s.SpaceSize = 0.5 }, "space_size:"},
		{func(s *CanarySet) { s.Canaries = append(s.Canaries, Canary{ID: "a"}) }, `canaries[1].id: "a" appears twice`},
		{func(s *CanarySet) { s.Canaries[0].ID = " " }, "canaries[0].id:"},
		{func(s *CanarySet) { s.Canaries[0].Loss = math.NaN() }, "canaries[0].loss:"},
		{func(s *CanarySet) { s.References = []float64{1, math.Inf(-1)} }, "references[1]:"},
	} {
		s := ok
		s.Canaries = append([]Canary(nil), ok.Canaries...)
		tc.mod(&s)
		if _, err := Exposure(s); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("err %v, want %q", err, tc.want)
		}
	}
}

func TestParseCanariesAndReferences(t *testing.T) {
	s, err := ParseCanaries(strings.NewReader("canary,loss,inserted_copies\nc1,0.5,4\nc2, 1.5,\n"))
	want := []Canary{{ID: "c1", Loss: 0.5, InsertedCopies: 4}, {ID: "c2", Loss: 1.5}}
	if err != nil || !reflect.DeepEqual(s.Canaries, want) {
		t.Fatalf("canaries %+v %v", s, err)
	}
	s, err = ParseCanaries(strings.NewReader(`{"inserted_copies": 2, "space_size": 1e9, "canaries": [{"id": "x", "loss": 1}], "references": [2, 3]}`))
	if err != nil || s.SpaceSize != 1e9 || len(s.References) != 2 || s.InsertedCopies != 2 {
		t.Fatalf("json set %+v %v", s, err)
	}
	for in, want := range map[string][]float64{
		"1.5\n2\n\n3e0\n":           {1.5, 2, 3},
		"id,perplexity\na,7\nb,8\n": {7, 8},
		"[1, 2]":                    {1, 2},
		`{"references": [4]}`:       {4},
	} {
		if got, err := ParseReferences(strings.NewReader(in)); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, tc := range []struct {
		in, want string
		refs     bool
	}{
		{"canary,loss\nc1,abc\n", `line 2: loss: "abc" is not a number`, false},
		{"canary,loss\nc1,1\n,2\n", "line 3: canary: empty id", false},
		{"id,score\n", `line 1: the header has no "loss" column`, false},
		{"1\n2\nnan\n", `line 3: loss: "nan" is not a finite number`, true},
		{"loss\n1\nx\n", `line 3: loss: "x" is not a number`, true},
	} {
		var err error
		if tc.refs {
			_, err = ParseReferences(strings.NewReader(tc.in))
		} else {
			_, err = ParseCanaries(strings.NewReader(tc.in))
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestExtraction(t *testing.T) {
	x := Extraction{Prompts: 1000, PromptSource: "training prefixes", Decoding: Decoding{Strategy: "greedy", MaxTokens: 64},
		Generations: 1000, MatchingRule: "50-token exact suffix", VerbatimMatches: 3, NearVerbatimMatches: 9, PIIEmitted: 1}
	if err := x.Validate(); err != nil {
		t.Fatal(err)
	}
	f := x.Figures()
	if f["prompts"] != 1000 || f["verbatim_matches"] != 3 || f["near_verbatim_matches"] != 9 || f["pii_emitted"] != 1 || f["generations"] != 1000 {
		t.Errorf("figures %v", f)
	}
	bad := x
	bad.VerbatimMatches = 1001
	if err := bad.Validate(); err == nil || !strings.HasPrefix(err.Error(), "verbatim_matches:") {
		t.Errorf("err %v", err)
	}
	bad = x
	bad.Decoding.TopP = 1.5
	if err := bad.Validate(); err == nil || !strings.HasPrefix(err.Error(), "decoding.top_p:") {
		t.Errorf("err %v", err)
	}
	if _, err := ParseExtraction(strings.NewReader(`{"prompts": 10, "generations": 10, "decoding": {"strategy": "sampling", "temperature": 0.7}}`)); err == nil || !strings.HasPrefix(err.Error(), "matching_rule:") {
		t.Errorf("parse err %v", err)
	}
	if _, err := ParseExtraction(strings.NewReader("{\n\"prompts\": \"ten\"}")); err == nil || !strings.HasPrefix(err.Error(), "line 2: prompts:") {
		t.Errorf("parse err %v", err)
	}
}
