package dp

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// DefaultOrders is the order grid the RDP accountant uses unless told otherwise: the union of the
// defaults of Opacus (1.1 to 10.9 by 0.1, 12 to 63), Google's dp_accounting (the same fractional
// orders, 11 to 63, 128, 256, 512, 1024) and TensorFlow Privacy's compute_dp_sgd_privacy (1.25,
// 1.5, 1.75, 2 to 2.5 by 0.25, 3 to 4.5 by 0.5, 5 to 63, 128, 256, 512). A larger grid can only
// lower epsilon; it equals a library's figure whenever that library's optimal order is on its own
// grid, which is the case unless the optimum falls on 1.25, 1.75, 2.25, 11 or 1024.
var DefaultOrders = defaultOrders()

// OpacusOrders, DPAccountingOrders and TFPrivacyOrders are the libraries' own default grids, so a
// figure can be reproduced exactly as each library states it.
var (
	OpacusOrders       = append(fractionalOrders(), intRange(12, 63)...)
	DPAccountingOrders = append(append(fractionalOrders(), intRange(11, 63)...), 128, 256, 512, 1024)
	TFPrivacyOrders    = append(append([]float64{1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5}, intRange(5, 63)...), 128, 256, 512)
)

func fractionalOrders() []float64 {
	var o []float64
	for x := 1; x < 100; x++ {
		o = append(o, 1+float64(x)/10)
	}
	return o
}

func intRange(lo, hi int) []float64 {
	var o []float64
	for i := lo; i <= hi; i++ {
		o = append(o, float64(i))
	}
	return o
}

func defaultOrders() []float64 {
	o := slices.Concat(OpacusOrders, DPAccountingOrders, TFPrivacyOrders)
	slices.Sort(o)
	return slices.CompactFunc(o, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })
}

// RDP is the Rényi differential privacy of the Poisson-subsampled Gaussian mechanism with sampling
// rate q and noise multiplier sigma, composed over steps, at each order (all orders > 1).
func RDP(q, sigma float64, steps int, orders []float64) ([]float64, error) {
	if !(q > 0 && q <= 1) {
		return nil, errors.New("q: must be in (0, 1]")
	}
	if !(sigma > 0) || math.IsInf(sigma, 1) {
		return nil, errors.New("sigma: must be greater than 0")
	}
	if steps < 1 {
		return nil, errors.New("steps: must be at least 1")
	}
	out := make([]float64, len(orders))
	for i, a := range orders {
		if !(a > 1) || math.IsInf(a, 1) {
			return nil, fmt.Errorf("orders: %v is not a finite order greater than 1", a)
		}
		out[i] = rdpOneStep(q, sigma, a) * float64(steps)
	}
	return out, nil
}

// rdpOneStep is the RDP of one step at order a: log(A_a)/(a-1), where A_a is the a-th moment of
// the likelihood ratio of the subsampled Gaussian (Mironov, Talwar, Zhang 2019, Sec. 3.3).
func rdpOneStep(q, sigma, a float64) float64 {
	if q == 1 {
		return a / (2 * sigma * sigma)
	}
	var logA float64
	if a == math.Trunc(a) && a < 1e6 {
		logA = logAInt(q, sigma, int(a))
	} else {
		logA = logAFrac(q, sigma, a)
	}
	return logA / (a - 1)
}

// logAInt is log(A_a) for an integer order, from the exact binomial sum
//
//	A_a = sum_i C(a,i) (1-q)^(a-i) q^i exp((i^2-i)/(2 sigma^2)).
//
// The terms without exp sum to 1 and those for i = 0, 1 have exponent 0, so A_a - 1 is the sum over
// i >= 2 with expm1 in place of exp: all terms positive, no cancellation, so log1p(A_a - 1) keeps
// full relative precision even for q = 1e-9, where summing A_a itself near 1 would lose it.
func logAInt(q, sigma float64, a int) float64 {
	lq, l1q := math.Log(q), math.Log1p(-q)
	alpha := float64(a)
	acc := math.Inf(-1) // log(A_a - 1)
	for i := 2; i <= a; i++ {
		fi := float64(i)
		x := (fi*fi - fi) / (2 * sigma * sigma)
		term := logBinom(alpha, fi) + fi*lq + (alpha-fi)*l1q + logExpm1(x)
		acc = logAdd(acc, term)
	}
	return log1pExp(acc)
}

// logAFrac is log(A_a) for a fractional order from the convergent series that splits the integral
// at z0 (Mironov, Talwar, Zhang 2019, Sec. 3.3). The binomial coefficients C(a,i) turn negative
// for i > a; their terms are summed with their signs, as Opacus does, not bounded by absolute
// values as dp_accounting does. The loop stops, as Opacus's, once both terms are below e^-30.
func logAFrac(q, sigma float64, a float64) float64 {
	var a0, a1 signedLog
	z0 := sigma*sigma*math.Log(1/q-1) + 0.5
	lq, l1q := math.Log(q), math.Log1p(-q)
	s2 := math.Sqrt2 * sigma
	for i := 0; i < 10_000_000; i++ {
		fi := float64(i)
		lc, positive := logAbsBinom(a, fi)
		j := a - fi
		t0 := lc + fi*lq + j*l1q
		t1 := lc + j*lq + fi*l1q
		e0 := math.Log(0.5) + logErfc((fi-z0)/s2)
		e1 := math.Log(0.5) + logErfc((z0-j)/s2)
		s0 := t0 + (fi*fi-fi)/(2*sigma*sigma) + e0
		s1 := t1 + (j*j-j)/(2*sigma*sigma) + e1
		a0.add(positive, s0)
		a1.add(positive, s1)
		if math.Max(s0, s1) < -30 {
			break
		}
	}
	if a1.nonzero {
		a0.add(a1.positive, a1.log)
	}
	if !a0.nonzero || !a0.positive {
		return math.Inf(-1) // cannot happen for A_a >= 1; kept so a bug shows as a bad figure, not a panic
	}
	return a0.log
}

// signedLog is a real number held as its sign and the log of its magnitude. The zero value is 0.
type signedLog struct {
	nonzero  bool
	positive bool
	log      float64
}

func (s *signedLog) add(positive bool, l float64) {
	switch {
	case math.IsInf(l, -1):
		return
	case !s.nonzero:
		s.nonzero, s.positive, s.log = true, positive, l
	case s.positive == positive:
		s.log = logAdd(s.log, l)
	case s.log > l:
		s.log = logSub(s.log, l)
	case s.log < l:
		s.positive, s.log = positive, logSub(l, s.log)
	default:
		*s = signedLog{}
	}
}

// EpsilonFromRDP converts RDP values at the given orders to the smallest epsilon for delta, with
// the conversion of Balle et al. 2020 ("Hypothesis testing interpretations and Rényi differential
// privacy", Theorem 21), as Opacus, TensorFlow Privacy and dp_accounting use it:
//
//	epsilon = rdp + log((a-1)/a) - (log(delta) + log(a)) / (a-1),
//
// minimised over the orders. It returns epsilon and the optimal order; epsilon is never below 0.
func EpsilonFromRDP(orders, rdp []float64, delta float64) (epsilon, order float64) {
	epsilon, order = math.Inf(1), math.NaN()
	for i, a := range orders {
		r := rdp[i]
		if math.IsNaN(r) || math.IsInf(r, 1) {
			continue
		}
		e := r + math.Log1p(-1/a) - (math.Log(delta)+math.Log(a))/(a-1)
		if e < epsilon {
			epsilon, order = e, a
		}
	}
	return max(epsilon, 0), order
}

// EpsilonRDP is epsilon at delta after steps of the subsampled Gaussian, and the optimal order.
// A nil orders means DefaultOrders.
func EpsilonRDP(q, sigma float64, steps int, delta float64, orders []float64) (epsilon, order float64, err error) {
	if orders == nil {
		orders = DefaultOrders
	}
	if !(delta > 0 && delta < 1) {
		return 0, 0, errors.New("delta: must be in (0, 1)")
	}
	rdp, err := RDP(q, sigma, steps, orders)
	if err != nil {
		return 0, 0, err
	}
	epsilon, order = EpsilonFromRDP(orders, rdp, delta)
	return epsilon, order, nil
}
