package dp

import (
	"errors"
	"fmt"
	"math"
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
// (p.Sigma is ignored), found by bisection to a relative precision of 1e-6 (1e-4 with PLD), with
// the epsilon it achieves. Like Opacus's get_noise_multiplier it returns the upper end of the final
// bracket, so the achieved epsilon never exceeds the target.
func Sigma(p Params, targetEpsilon float64) (sigma, epsilon float64, err error) {
	if err := checkTarget(targetEpsilon); err != nil {
		return 0, 0, err
	}
	p.Sigma = 1
	if err := p.Validate(); err != nil {
		return 0, 0, err
	}
	q, steps := p.rate(), p.steps()
	tol := 1e-6
	if p.Accountant == AccountantPLD {
		tol = 1e-4
	}
	lo, hi := 0.0, 1.0
	epsHi, err := epsilonWith(p, q, hi, steps)
	for ; err == nil && epsHi > targetEpsilon; epsHi, err = epsilonWith(p, q, hi, steps) {
		lo, hi = hi, hi*2
		if hi > 1e6 {
			return 0, 0, fmt.Errorf("target_epsilon: %v is out of reach: even sigma 1e6 gives more", targetEpsilon)
		}
	}
	if err != nil {
		return 0, 0, err
	}
	if lo == 0 {
		// sigma 1 already suffices: walk down to bracket from below.
		lo = hi / 2
		for {
			e, err := epsilonWith(p, q, lo, steps)
			if err != nil {
				// Too small a sigma can exceed the PLD's cost bound: treat it as over budget.
				break
			}
			if e > targetEpsilon {
				break
			}
			hi, epsHi, lo = lo, e, lo/2
			if lo < 1e-4 {
				return hi, epsHi, nil
			}
		}
	}
	for hi-lo > tol*hi {
		mid := (lo + hi) / 2
		e, err := epsilonWith(p, q, mid, steps)
		if err == nil && e <= targetEpsilon {
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
