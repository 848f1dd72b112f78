package dp

import "math"

// logAdd is log(exp(x) + exp(y)).
func logAdd(x, y float64) float64 {
	if x < y {
		x, y = y, x
	}
	if math.IsInf(y, -1) {
		return x
	}
	return x + math.Log1p(math.Exp(y-x))
}

// logSub is log(exp(x) - exp(y)) for x >= y.
func logSub(x, y float64) float64 {
	if math.IsInf(y, -1) {
		return x
	}
	if x <= y {
		return math.Inf(-1)
	}
	d := y - x
	if d > -math.Ln2 {
		return x + math.Log(-math.Expm1(d))
	}
	return x + math.Log1p(-math.Exp(d))
}

// log1pExp is log(1 + exp(x)).
func log1pExp(x float64) float64 {
	if x > 35 {
		return x + math.Exp(-x)
	}
	return math.Log1p(math.Exp(x))
}

// logExpm1 is log(exp(x) - 1) for x > 0.
func logExpm1(x float64) float64 {
	if x > 35 {
		return x + math.Log1p(-math.Exp(-x))
	}
	return math.Log(math.Expm1(x))
}

// logBinom is log C(n, k) for 0 <= k <= n.
func logBinom(n, k float64) float64 {
	a, _ := math.Lgamma(n + 1)
	b, _ := math.Lgamma(k + 1)
	c, _ := math.Lgamma(n - k + 1)
	return a - b - c
}

// logAbsBinom is log|C(a, k)| for real a > 0 and integer k >= 0, and whether C(a, k) is positive.
// C(a, k) = Gamma(a+1) / (Gamma(k+1) Gamma(a-k+1)); Gamma(a-k+1) has poles at non-positive
// integers, where C(a, k) is 0 (only when a is an integer, which callers route elsewhere).
func logAbsBinom(a, k float64) (float64, bool) {
	x := a - k + 1
	if x <= 0 && x == math.Trunc(x) {
		return math.Inf(-1), true
	}
	la, _ := math.Lgamma(a + 1)
	lk, _ := math.Lgamma(k + 1)
	lx, sign := math.Lgamma(x)
	return la - lk - lx, sign > 0
}

// logErfc is log(erfc(x)), accurate in the far right tail where erfc underflows.
func logErfc(x float64) float64 {
	if x < 25 {
		return math.Log(math.Erfc(x))
	}
	// Asymptotic expansion: erfc(x) = exp(-x^2)/(x sqrt(pi)) * (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) ...).
	x2 := x * x
	series := 1 - 1/(2*x2) + 3/(4*x2*x2) - 15/(8*x2*x2*x2) + 105/(16*x2*x2*x2*x2)
	return -x2 - math.Log(x) - 0.5*math.Log(math.Pi) + math.Log(series)
}
