package leak

import (
	"math"
	"os"
	"testing"
)

// TestAgainstScikitLearn compares with scikit-learn 1.2.1 on testdata/mia_scores.csv (1,800
// losses with ties, 800 members): roc_auc_score, roc_curve(drop_intermediate=False), and TPR at
// FPR bounds and the advantage taken from that curve, as testdata/reference.py prints them.
func TestAgainstScikitLearn(t *testing.T) {
	f, err := os.Open("testdata/mia_scores.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ParseScores(f)
	if err != nil {
		t.Fatal(err)
	}
	c := newCurve(s, true)
	r, err := EvaluateMIA(MIADesign{LowerIsMember: true}, s)
	if err != nil {
		t.Fatal(err)
	}
	if points := len(c.members) + 1; points != 345 {
		t.Errorf("%d operating points, scikit-learn has 345", points)
	}
	for name, got := range map[string][2]float64{
		"auc":              {r.AUC, 0.7147062500000001},
		"tpr_at_fpr 0.001": {r.TPRAtFPR["0.001"], 0.02},
		"tpr_at_fpr 0.01":  {r.TPRAtFPR["0.01"], 0.0625},
		"advantage":        {r.Advantage, 0.32925000000000004},
	} {
		if math.Abs(got[0]-got[1]) > 1e-12 {
			t.Errorf("%s = %.17g, scikit-learn %.17g", name, got[0], got[1])
		}
	}
}

// TestSkewNormalAgainstSciPy compares the log CDF with SciPy 1.10.1: scipy.integrate.quad of
// scipy.stats.skewnorm.pdf (relative tolerance 1e-12), printed by testdata/reference.py.
func TestSkewNormalAgainstSciPy(t *testing.T) {
	for _, tc := range []struct{ shape, z, want float64 }{
		{2, -3, -28.211442956043765},
		{5, -4, -216.7920994119265},
		{-3, -6, -20.043621769414759},
		{1.5, 2.5, -0.012496739423544748},
		{4, -1, -14.016441356920296},
	} {
		got := SkewNormal{Scale: 1, Shape: tc.shape}.LogCDF(tc.z)
		if math.Abs(got-tc.want) > 1e-8*math.Abs(tc.want) {
			t.Errorf("shape %v z %v: %.17g, SciPy %.17g", tc.shape, tc.z, got, tc.want)
		}
	}
}
