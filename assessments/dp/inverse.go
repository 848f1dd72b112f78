package dp

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// epsilonWith is epsilon for q, sigma and steps by p's accountant.
func epsilonWith(p Params, q, sigma float64, steps int) (float64, error) {
	if p.Accountant == AccountantPLD {
		e, _, err := EpsilonPLD(q, sigma, steps, p.Delta)
		return e, err
	}
	e, _, err := EpsilonRDP(q, sigma, steps, p.Delta, p.orders())
	return e, err
}

func checkTarget(target float64) error {
	if !(target > 0) || math.IsInf(target, 1) {
		return errors.New("target_epsilon: must be greater than 0")
	}
	return nil
}

// Sigma is the smallest noise multiplier for which p's accountant gives at most targetEpsilon
// (p.Sigma is ignored), found by bisection to a relative precision of 1e-6 (1e-3 with PLD, whose
// every evaluation is a full composition), with the epsilon it achieves. Like Opacus's
// get_noise_multiplier it returns the upper end of the final bracket, so the achieved epsilon
// never exceeds the target. The PLD search starts from the RDP answer, an upper bound for it.
func Sigma(p Params, targetEpsilon float64) (sigma, epsilon float64, err error) {
	if err := checkTarget(targetEpsilon); err != nil {
		return 0, 0, err
	}
	p.Sigma = 1
	if err := p.Validate(); err != nil {
		return 0, 0, err
	}
	q, steps := p.rate(), p.steps()
	rdp := p
	rdp.Accountant = AccountantRDP
	hi, epsHi, err := bisectSigma(rdp, q, steps, targetEpsilon, 1, 0.5, 1e-6)
	if err != nil || p.Accountant != AccountantPLD {
		return hi, epsHi, err
	}
	return bisectSigma(p, q, steps, targetEpsilon, hi, 0.9, 1e-3)
}

// bisectSigma brackets the smallest sigma meeting the target, starting at start and stepping by
// the factor shrink (and 1/shrink upwards), then bisects to relative precision tol.
func bisectSigma(p Params, q float64, steps int, target, start, shrink, tol float64) (float64, float64, error) {
	meets := func(sigma float64) (bool, float64, error) {
		e, err := epsilonWith(p, q, sigma, steps)
		if errors.Is(err, errTooWide) || err != nil && strings.Contains(err.Error(), "too expensive") {
			return false, e, nil // so small a sigma that PLD gives up: certainly over any sane target
		}
		return err == nil && e <= target, e, err
	}
	hi := start
	ok, epsHi, err := meets(hi)
	for ; err == nil && !ok; ok, epsHi, err = meets(hi) {
		if hi *= 1 / shrink; hi > 1e6 {
			return 0, 0, fmt.Errorf("target_epsilon: %v is out of reach: even sigma 1e6 gives more", target)
		}
	}
	if err != nil {
		return 0, 0, err
	}
	lo := hi * shrink
	for {
		ok, e, err := meets(lo)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			break
		}
		hi, epsHi, lo = lo, e, lo*shrink
		if lo < 1e-3 {
			return hi, epsHi, nil
		}
	}
	for hi-lo > tol*hi {
		mid := (lo + hi) / 2
		ok, e, err := meets(mid)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			hi, epsHi = mid, e
		} else {
			lo = mid
		}
	}
	return hi, epsHi, nil
}

// MaxEpochs is the most training p's budget allows: the largest number of steps for which p's
// accountant gives at most targetEpsilon (p.Epochs and p.Steps are ignored), by bisection on the
// steps, and those steps as epochs (steps*batch_size/n, or steps*q). It returns 0 steps when even
// one step exceeds the target.
func MaxEpochs(p Params, targetEpsilon float64) (epochs float64, steps int, err error) {
	if err := checkTarget(targetEpsilon); err != nil {
		return 0, 0, err
	}
	p.Epochs, p.Steps = 0, 1
	if err := p.Validate(); err != nil {
		return 0, 0, err
	}
	q := p.rate()
	within := func(t int) (bool, error) {
		e, err := epsilonWith(p, q, p.Sigma, t)
		return e <= targetEpsilon, err
	}
	ok, err := within(1)
	if err != nil || !ok {
		return 0, 0, err
	}
	lo, hi := 1, 2 // within(lo) holds; find hi where it fails
	for {
		ok, err := within(hi)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			break
		}
		lo = hi
		if hi >= 1<<40 {
			return epochsOf(p, lo), lo, nil
		}
		hi *= 2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := within(mid)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return epochsOf(p, lo), lo, nil
}

func epochsOf(p Params, steps int) float64 {
	if p.N > 0 && p.BatchSize > 0 {
		return float64(steps) * float64(p.BatchSize) / float64(p.N)
	}
	return float64(steps) * p.rate()
}
