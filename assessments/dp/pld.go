package dp

import (
	"errors"
	"fmt"
	"math"
)

// PLD accounting settings, the defaults of dp_accounting's PLDAccountant.
const (
	pldInterval    = 1e-4 // privacy losses are multiples of this, unless too many buckets result
	pldMaxInterval = 1e-2
	pldTailMass    = 1e-15 // mass cut from the tails after each composition, moved pessimistically
	pldTailZ       = 8.5   // the single step's support covers the Gaussian out to this many sigma
	fftNoise       = 1e-14 // FFT rounding noise in a bucket, relative to the largest mass
	// pldMaxBins bounds the support of one step or one composition; beyond it EpsilonPLD refuses
	// rather than allocate gigabytes, and composedPLDAdaptive coarsens the interval.
	pldMaxBins = 1 << 21
)

// pmf is a discrete privacy loss distribution: mass p[i] at loss (lo+i)*h and mass inf
// at +infinity.
type pmf struct {
	h   float64
	lo  int
	p   []float64
	inf float64
}

// subsampledGaussianPLD is the pessimistic connect-the-dots discretisation (Doroshenko et al. 2022,
// "Connect the Dots", Algorithm 1) of one step of the Poisson-subsampled Gaussian, for the removal
// (remove = true) or the addition of a record. The discrete PLD's hockey-stick curve goes through
// the exact curve at every grid point and lies above it in between, so it never under-reports.
func subsampledGaussianPLD(q, sigma float64, remove bool, h float64) (pmf, error) {
	var loLoss, hiLoss float64
	mixLoss := func(x float64) float64 { // log((1-q) + q exp((2x-1)/(2 sigma^2)))
		return logAdd(math.Log1p(-q), math.Log(q)+(2*x-1)/(2*sigma*sigma))
	}
	if q == 1 {
		mixLoss = func(x float64) float64 { return (2*x - 1) / (2 * sigma * sigma) }
	}
	if remove {
		loLoss, hiLoss = mixLoss(-pldTailZ*sigma), mixLoss(1+pldTailZ*sigma)
		if q < 1 {
			loLoss = math.Log1p(-q)
		}
	} else {
		loLoss, hiLoss = -mixLoss(pldTailZ*sigma), -mixLoss(-pldTailZ*sigma)
		if q < 1 {
			hiLoss = -math.Log1p(-q)
		}
	}
	lo, hi := int(math.Floor(loLoss/h)), int(math.Ceil(hiLoss/h))
	if hi-lo+1 > pldMaxBins {
		return pmf{}, errTooWide
	}
	n := hi - lo + 1
	deltas := make([]float64, n)
	for i := range n {
		deltas[i] = hockeyStick(q, sigma, float64(lo+i)*h, remove)
		if i > 0 && deltas[i] > deltas[i-1] {
			deltas[i] = deltas[i-1] // keep the rounding from breaking monotonicity
		}
	}
	p := make([]float64, n)
	up, down := math.Expm1(h), -math.Expm1(-h) // e^h - 1 and 1 - e^-h
	for i := range n {
		var m float64
		if i == 0 {
			m = 1 - deltas[0]
		} else {
			m = (deltas[i-1] - deltas[i]) / down
		}
		if i < n-1 {
			m -= (deltas[i] - deltas[i+1]) / up
		}
		p[i] = max(m, 0)
	}
	return pmf{h: h, lo: lo, p: p, inf: deltas[n-1]}, nil
}

// hockeyStick is delta(epsilon) = sup_S P(S) - e^epsilon Q(S) for one step, where for removal
// P = (1-q) N(1, sigma^2) + q N(0, sigma^2)... precisely: P is the mixture (1-q) N(0,s^2) + q N(1,s^2)
// and Q = N(0,s^2); for addition the two are swapped.
func hockeyStick(q, sigma, eps float64, remove bool) float64 {
	surv := func(x float64) float64 { return 0.5 * math.Erfc(x/math.Sqrt2) } // P(N(0,1) > x)
	var d float64
	if remove {
		// The loss exceeds eps where x > x*; everywhere when e^eps <= 1-q.
		g := math.Expm1(eps) + q // e^eps - (1-q)
		if g <= 0 {
			return -math.Expm1(eps)
		}
		xs := sigma*sigma*math.Log(g/q) + 0.5
		d = (1-q)*surv(xs/sigma) + q*surv((xs-1)/sigma) - math.Exp(eps)*surv(xs/sigma)
	} else {
		g := math.Expm1(-eps) + q // e^-eps - (1-q)
		if g <= 0 {
			return 0
		}
		xs := sigma*sigma*math.Log(g/q) + 0.5
		d = surv(-xs/sigma) - math.Exp(eps)*((1-q)*surv(-xs/sigma)+q*surv((1-xs)/sigma))
	}
	return min(max(d, 0), 1)
}

// compose is the PLD of running a and then b: the convolution of the finite parts, with the
// tails cut pessimistically (lower tail moved up to the first kept bucket, upper tail to +inf).
func compose(a, b pmf, square bool) (pmf, error) {
	if len(a.p)+len(b.p) > pldMaxBins {
		return pmf{}, errTooWide
	}
	c := pmf{h: a.h, lo: a.lo + b.lo, p: convolve(a.p, b.p, square), inf: 1 - (1-a.inf)*(1-b.inf)}
	// FFT rounding leaves noise of about 1e-16 of the largest mass in every bucket; at the ends of
	// the support it is indistinguishable from true tail mass, so buckets below fftNoise of the
	// peak are cut from the ends too (pessimistically, like the tails).
	peak := 0.0
	for _, v := range c.p {
		peak = max(peak, v)
	}
	noise := fftNoise * peak
	var cut float64
	first := 0
	for first < len(c.p)-1 && (cut+c.p[first] < pldTailMass/2 || c.p[first] < noise) {
		cut += c.p[first]
		first++
	}
	c.p[first] += cut
	cut = 0
	last := len(c.p) - 1
	for last > first && (cut+c.p[last] < pldTailMass/2 || c.p[last] < noise) {
		cut += c.p[last]
		last--
	}
	c.inf += cut
	c.lo += first
	c.p = c.p[first : last+1]
	return c, nil
}

// selfCompose is the PLD of steps runs of one, by repeated squaring, and the most buckets any
// intermediate distribution needed.
func selfCompose(one pmf, steps int) (pmf, int, error) {
	var acc pmf
	have := false
	base := one
	widest := len(one.p)
	for steps > 0 {
		var err error
		if steps&1 == 1 {
			if !have {
				acc, have = base, true
			} else if acc, err = compose(acc, base, false); err != nil {
				return pmf{}, 0, err
			}
			widest = max(widest, len(acc.p))
		}
		steps >>= 1
		if steps > 0 {
			if base, err = compose(base, base, true); err != nil {
				return pmf{}, 0, err
			}
			widest = max(widest, len(base.p))
		}
	}
	return acc, widest, nil
}

// epsilon is the smallest epsilon >= 0 with delta(epsilon) <= delta for this PLD, where
// delta(eps) = inf + sum over losses l > eps of p(l) (1 - e^(eps-l)).
func (d pmf) epsilon(delta float64) float64 {
	if delta < d.inf {
		return math.Inf(1)
	}
	h := d.h
	// Sweep down from the top bucket keeping M = mass above bucket k and V = sum of p(l) e^(l_k - l)
	// over the buckets above k; delta(l_k) = inf + M - V.
	var m, v float64
	for k := len(d.p) - 1; k >= -1; k-- {
		lk := float64(d.lo+k) * h
		if k >= 0 && d.inf+m-v <= delta {
			// delta(l_k) is within budget; continue down.
			m += d.p[k]
			v = (v + d.p[k]) * math.Exp(-h)
			continue
		}
		// delta(l_k) > delta (or k = -1): the answer lies in (l_k, l_k + h].
		if k == -1 {
			lk = float64(d.lo-1) * h
		}
		if v <= 0 {
			return max(lk+h, 0)
		}
		return max(lk+math.Log((d.inf+m-delta)/v), 0)
	}
	return 0
}

// delta is delta(epsilon) for this PLD.
func (d pmf) delta(eps float64) float64 {
	h := d.h
	sum := d.inf
	for i, p := range d.p {
		if l := float64(d.lo+i) * h; l > eps {
			sum += p * -math.Expm1(eps-l)
		}
	}
	return min(sum, 1)
}

// pldPair is the composed PLDs for removal and for addition of a record; add/remove adjacency
// takes the worse of the two.
type pldPair struct{ remove, add pmf }

var errTooWide = errors.New("pld: too many loss buckets")

// composedPLD composes steps of the mechanism for both directions, in parallel, at interval h,
// and reports the widest intermediate support in loss units.
func composedPLD(q, sigma float64, steps int, h float64) (pldPair, float64, error) {
	var out pldPair
	type done struct {
		widest int
		err    error
	}
	ch := make(chan done, 2)
	for _, remove := range []bool{true, false} {
		go func() {
			one, err := subsampledGaussianPLD(q, sigma, remove, h)
			widest := 0
			if err == nil {
				one, widest, err = selfCompose(one, steps)
			}
			if remove {
				out.remove = one
			} else {
				out.add = one
			}
			ch <- done{widest, err}
		}()
	}
	a, b := <-ch, <-ch
	return out, float64(max(a.widest, b.widest)) * h, errors.Join(a.err, b.err)
}

// composedPLDAdaptive composes at dp_accounting's interval 1e-4 or, where that needs more than
// pldMaxBins buckets (small sigma or very many steps), at the finest interval 1e-4 * 2^k that
// fits, up to 1e-2. A cheap first pass at 1e-2 measures how wide the distributions grow, so the
// interval is chosen before the expensive pass. A coarser interval is still pessimistic, only
// less tight.
func composedPLDAdaptive(q, sigma float64, steps int) (pldPair, float64, error) {
	h := pldInterval
	if _, width, err := composedPLD(q, sigma, steps, pldMaxInterval); err == nil {
		for width/h*2.5 > pldMaxBins && h < pldMaxInterval {
			h *= 2
		}
	}
	for ; h <= pldMaxInterval*1.0001; h *= 2 {
		pair, _, err := composedPLD(q, sigma, steps, h)
		if errors.Is(err, errTooWide) {
			continue
		}
		return pair, h, err
	}
	return pldPair{}, 0, fmt.Errorf("pld: sigma %g over %d steps needs more than %d loss buckets even at interval %g; too expensive", sigma, steps, pldMaxBins, pldMaxInterval)
}

// EpsilonPLD is epsilon at delta after steps of the subsampled Gaussian by privacy loss
// distributions, under add-or-remove-one adjacency, and the discretisation interval it used.
func EpsilonPLD(q, sigma float64, steps int, delta float64) (epsilon, interval float64, err error) {
	if err := checkMechanism(q, sigma, steps, delta); err != nil {
		return 0, 0, err
	}
	pair, h, err := composedPLDAdaptive(q, sigma, steps)
	if err != nil {
		return 0, 0, err
	}
	return max(pair.remove.epsilon(delta), pair.add.epsilon(delta)), h, nil
}

// DeltaPLD is delta at epsilon after steps, by privacy loss distributions.
func DeltaPLD(q, sigma float64, steps int, epsilon float64) (float64, error) {
	if err := checkMechanism(q, sigma, steps, 0.5); err != nil {
		return 0, err
	}
	pair, _, err := composedPLDAdaptive(q, sigma, steps)
	if err != nil {
		return 0, err
	}
	return max(pair.remove.delta(epsilon), pair.add.delta(epsilon)), nil
}

func checkMechanism(q, sigma float64, steps int, delta float64) error {
	switch {
	case !(q > 0 && q <= 1):
		return errors.New("q: must be in (0, 1]")
	case !(sigma > 0) || math.IsInf(sigma, 1):
		return errors.New("sigma: must be greater than 0")
	case steps < 1:
		return errors.New("steps: must be at least 1")
	case !(delta > 0 && delta < 1):
		return errors.New("delta: must be in (0, 1)")
	}
	return nil
}
