package leak

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSkewNormalClosedForms: at the location the CDF is 1/2 - arctan(shape)/pi (Azzalini 1985,
// "A class of distributions which includes the normal ones", property of the standard
// skew-normal); with shape 0 it is the normal CDF, computed here with erfc.
func TestSkewNormalClosedForms(t *testing.T) {
	for _, a := range []float64{0, 1, -3, 10, 0.5} {
		got := math.Exp(SkewNormal{Location: 2, Scale: 3, Shape: a}.LogCDF(2))
		if want := 0.5 - math.Atan(a)/math.Pi; math.Abs(got-want) > 1e-9 {
			t.Errorf("shape %v: F(location) = %v, want %v", a, got, want)
		}
	}
	for _, z := range []float64{2, -1, -10, -35} {
		got := SkewNormal{Scale: 1}.LogCDF(z)
		want := math.Log(0.5 * math.Erfc(-z/math.Sqrt2))
		if math.Abs(got-want) > 1e-8*math.Max(1, math.Abs(want)) {
			t.Errorf("z %v: %v, want %v", z, got, want)
		}
	}
}

// TestFitSkewNormal draws from a known skew-normal (Z = delta|U0| + sqrt(1-delta^2) U1, Azzalini's
// stochastic representation) and recovers its parameters by the moments.
func TestFitSkewNormal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	want := SkewNormal{Location: 4, Scale: 2, Shape: 3}
	delta := want.Shape / math.Sqrt(1+want.Shape*want.Shape)
	v := make([]float64, 400_000)
	for i := range v {
		z := delta*math.Abs(rng.NormFloat64()) + math.Sqrt(1-delta*delta)*rng.NormFloat64()
		v[i] = want.Location + want.Scale*z
	}
	got, ok := fitSkewNormal(v)
	if !ok || math.Abs(got.Location-4) > 0.05 || math.Abs(got.Scale-2) > 0.05 || math.Abs(got.Shape-3) > 0.3 {
		t.Errorf("fit %+v, want %+v", got, want)
	}
	if _, ok := fitSkewNormal([]float64{1, 1, 1}); ok {
		t.Error("fitted values without spread")
	}
}
