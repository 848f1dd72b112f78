package dp

import (
	"math"
	"testing"
)

// Published PLD figures. Each was computed by dp_accounting's PLDAccountant (interval 1e-4,
// connect-the-dots); the task asks for agreement to 3 significant digits, these hold to 1e-4.
func TestEpsilonPLDPublished(t *testing.T) {
	cases := []struct {
		source   string
		q, sigma float64
		steps    int
		delta    float64
		eps, rel float64
		slow     bool
	}{
		// tensorflow/privacy, tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py,
		// test_compute_dp_sgd_example_privacy (epochs 1.2, noise 0.7, halved with microbatching,
		// delta 1e-5; q 1e-2 -> 120 steps, no subsampling -> 2 steps), assertAlmostEqual.
		{"no_microbatching_with_subsampling_pld", 0.01, 0.7, 120, 1e-5, 2.4612381, 1e-4, false},
		{"no_microbatching_no_subsampling_pld", 1, 0.7, 2, 1e-5, 10.1224946, 1e-4, false},
		{"microbatching_no_subsampling_pld", 1, 0.35, 2, 1e-5, 24.7160779, 1e-4, false},
		{"microbatching_with_subsampling_pld", 0.01, 0.35, 120, 1e-5, 18.6977407, 1e-4, true},
		// Same file, test_dp_sgd_privacy_statement_no_user_dp_with_pld: 10000 examples, batch 64,
		// 5 epochs, noise 2.0 halved by microbatching, delta 1e-6 -> 782 steps: "1.199".
		{"statement_no_user_dp_with_pld", 0.0064, 1.0, 782, 1e-6, 1.199, 0.0005 / 1.199, false},
	}
	for _, c := range cases {
		if c.slow && testing.Short() {
			continue
		}
		eps, _, err := EpsilonPLD(c.q, c.sigma, c.steps, c.delta)
		if err != nil {
			t.Fatalf("%s: %v", c.source, err)
		}
		if !close(eps, c.eps, c.rel) {
			t.Errorf("%s: epsilon %.8g, want %.8g", c.source, eps, c.eps)
		}
	}
}

// google/differential-privacy, python/dp_accounting/dp_accounting/pld/pld_privacy_accountant_test.py,
// test_poisson_subsampled_gaussian: q 0.2, noise 0.5, composed 1 + 2 times: delta at epsilon 1 is
// 0.15594 and epsilon at that delta is 1, both to within 1e-3.
func TestPLDDPAccountingSubsampledGaussian(t *testing.T) {
	d, err := DeltaPLD(0.2, 0.5, 3, 1)
	if err != nil || math.Abs(d-0.15594) > 1e-3 {
		t.Fatalf("delta %v (%v)", d, err)
	}
	e, _, err := EpsilonPLD(0.2, 0.5, 3, 0.15594)
	if err != nil || math.Abs(e-1) > 1e-3 {
		t.Fatalf("epsilon %v (%v)", e, err)
	}
}

// Without subsampling, T steps of the Gaussian mechanism are one Gaussian mechanism with noise
// sigma/sqrt(T), whose exact delta(epsilon) is known (Balle and Wang 2018, Theorem 8). The PLD
// must never report less (pessimism) and stay close (tightness).
func TestPLDGaussianExactAndPessimistic(t *testing.T) {
	phi := func(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
	for _, c := range []struct {
		sigma float64
		steps int
	}{{1, 1}, {0.7, 2}, {3, 20}} {
		s := c.sigma / math.Sqrt(float64(c.steps))
		pair, _, err := composedPLDAdaptive(1, c.sigma, c.steps)
		if err != nil {
			t.Fatal(err)
		}
		for _, eps := range []float64{0.1, 0.5, 1, 2, 4} {
			exact := phi(-eps*s+1/(2*s)) - math.Exp(eps)*phi(-eps*s-1/(2*s))
			got := max(pair.remove.delta(eps), pair.add.delta(eps))
			if got < exact*(1-1e-9) || got > exact*1.01+1e-12 {
				t.Errorf("sigma %v steps %d eps %v: delta %.6g, exact %.6g", c.sigma, c.steps, eps, got, exact)
			}
		}
	}
}

// The discretised single step reproduces the exact hockey-stick curve at its grid points and lies
// above it between them (connect-the-dots), in both directions.
func TestPLDSingleStepPessimistic(t *testing.T) {
	for _, remove := range []bool{true, false} {
		d, err := subsampledGaussianPLD(0.05, 0.9, remove, pldInterval)
		if err != nil {
			t.Fatal(err)
		}
		for _, eps := range []float64{0, 0.01, 0.05, 0.12345, 0.5, 1.5} {
			exact := hockeyStick(0.05, 0.9, eps, remove)
			got := d.delta(eps)
			if got < exact-1e-12 || got > exact+1e-6 {
				t.Errorf("remove %v eps %v: delta %.10g, exact %.10g", remove, eps, got, exact)
			}
		}
	}
}

// PLD is tighter than RDP for the same run, and grows with the steps.
func TestPLDBelowRDPAndMonotone(t *testing.T) {
	prev := 0.0
	for _, steps := range []int{1, 10, 100, 1000, 3000} {
		pld, _, err := EpsilonPLD(0.01, 1, steps, 1e-5)
		if err != nil {
			t.Fatal(err)
		}
		rdp, _, _ := EpsilonRDP(0.01, 1, steps, 1e-5, nil)
		if pld > rdp || pld <= prev {
			t.Errorf("steps %d: pld %v, rdp %v, previous pld %v", steps, pld, rdp, prev)
		}
		prev = pld
	}
}

// Convolution by FFT equals the direct sum.
func TestConvolve(t *testing.T) {
	a := []float64{0.1, 0.2, 0.3, 0.4, 0, 0.5}
	b := []float64{0.5, 0.25, 0.25}
	got := convolve(a, b, false)
	sq := convolve(a, a, true)
	for k := range len(a) + len(b) - 1 {
		var want float64
		for i := range a {
			if j := k - i; j >= 0 && j < len(b) {
				want += a[i] * b[j]
			}
		}
		if math.Abs(got[k]-want) > 1e-15 {
			t.Errorf("conv[%d] = %v, want %v", k, got[k], want)
		}
	}
	for k := range 2*len(a) - 1 {
		var want float64
		for i := range a {
			if j := k - i; j >= 0 && j < len(a) {
				want += a[i] * a[j]
			}
		}
		if math.Abs(sq[k]-want) > 1e-15 {
			t.Errorf("square[%d] = %v, want %v", k, sq[k], want)
		}
	}
}

// Squaring by the half-length real transform equals convolution by the packed transform and the
// direct sum, on a longer sequence of odd length.
func TestSquareRealLong(t *testing.T) {
	a := make([]float64, 1001)
	for i := range a {
		a[i] = math.Exp(-math.Pow(float64(i-400)/90, 2)) * (1 + 0.3*math.Sin(float64(i)))
	}
	sq, cv := convolve(a, a, true), convolve(a, a, false)
	for k := range sq {
		var want float64
		for i := max(0, k-len(a)+1); i <= min(k, len(a)-1); i++ {
			want += a[i] * a[k-i]
		}
		if math.Abs(sq[k]-want) > 1e-12 || math.Abs(cv[k]-want) > 1e-12 {
			t.Fatalf("bin %d: square %v, convolve %v, direct %v", k, sq[k], cv[k], want)
		}
	}
}
