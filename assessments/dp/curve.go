package dp

import (
	"errors"
	"math"
)

// CurvePoint is epsilon after some number of epochs.
type CurvePoint struct {
	Epochs     float64  `json:"epochs"`
	Steps      int      `json:"steps"`
	Epsilon    float64  `json:"epsilon"`               // RDP accountant
	EpsilonPLD *float64 `json:"epsilon_pld,omitempty"` // omitted past the cost bound
}

// curvePLDSteps bounds the PLD work of one curve: points are given a PLD epsilon, from the
// first on, while the steps they need add up to at most this many.
const curvePLDSteps = 50_000

// EpsilonCurve is epsilon after each of points evenly spaced epoch counts up to p.Epochs
// (p must give epochs, not steps), for a chart. RDP is computed once per order and scaled by the
// steps, so the RDP curve costs one evaluation; PLD is run per point within a cost bound.
func EpsilonCurve(p Params, points int) ([]CurvePoint, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Epochs == 0 {
		return nil, errors.New("epochs: the curve needs epochs, not steps")
	}
	if points < 1 || points > 1000 {
		return nil, errors.New("points: must be between 1 and 1000")
	}
	q, orders := p.rate(), p.orders()
	perStep, err := RDP(q, p.Sigma, 1, orders)
	if err != nil {
		return nil, err
	}
	rdp := make([]float64, len(orders))
	out := make([]CurvePoint, 0, points)
	pldBudget := curvePLDSteps
	for k := 1; k <= points; k++ {
		epochs := p.Epochs * float64(k) / float64(points)
		steps := int(math.Max(1, stepsFor(epochs, q, p.N, p.BatchSize)))
		for i, r := range perStep {
			rdp[i] = r * float64(steps)
		}
		eps, _ := EpsilonFromRDP(orders, rdp, p.Delta)
		pt := CurvePoint{Epochs: epochs, Steps: steps, Epsilon: eps}
		if steps <= pldBudget {
			pldBudget -= steps
			if e, _, err := EpsilonPLD(q, p.Sigma, steps, p.Delta); err == nil && !math.IsInf(e, 1) {
				pt.EpsilonPLD = &e
			}
		} else {
			pldBudget = 0
		}
		out = append(out, pt)
	}
	return out, nil
}
