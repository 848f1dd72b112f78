package dp

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Sampling methods. The accountants assume Poisson sampling; shuffled fixed-size batches are
// accounted as if they were Poisson, with a warning, as TensorFlow Privacy's statement does.
const (
	Poisson = "poisson"
	Shuffle = "shuffle"
)

// Accountants.
const (
	AccountantRDP = "rdp"
	AccountantPLD = "pld"
)

// MaxPLDSteps is the most steps Compute runs the PLD accountant for; beyond it only RDP is given.
const MaxPLDSteps = 1_000_000

// Params describe one DP-SGD training run. The sampling rate is Q, or BatchSize/N; the length is
// Steps, or Epochs (steps = ceil(Epochs*N/BatchSize), or ceil(Epochs/Q) without N and BatchSize).
type Params struct {
	N          int       `json:"n,omitempty"`
	BatchSize  int       `json:"batch_size,omitempty"`
	Q          float64   `json:"q,omitempty"`
	Sigma      float64   `json:"sigma"`
	Epochs     float64   `json:"epochs,omitempty"`
	Steps      int       `json:"steps,omitempty"`
	Delta      float64   `json:"delta"`
	Sampling   string    `json:"sampling,omitempty"`   // poisson (the default) or shuffle
	Accountant string    `json:"accountant,omitempty"` // rdp (the default) or pld: the one the user reports
	Orders     []float64 `json:"orders,omitempty"`     // RDP orders; empty means DefaultOrders
}

// Validate checks the parameters; its message starts with the offending field's JSON name.
func (p Params) Validate() error {
	if err := p.validateRate(); err != nil {
		return err
	}
	if err := p.validateLength(); err != nil {
		return err
	}
	switch {
	case !(p.Sigma > 0) || math.IsInf(p.Sigma, 1):
		return errors.New("sigma: must be greater than 0")
	case !(p.Delta > 0 && p.Delta < 1):
		return errors.New("delta: must be greater than 0 and less than 1")
	case p.Sampling != "" && p.Sampling != Poisson && p.Sampling != Shuffle:
		return fmt.Errorf("sampling: must be %q or %q, not %q", Poisson, Shuffle, p.Sampling)
	case p.Accountant != "" && p.Accountant != AccountantRDP && p.Accountant != AccountantPLD:
		return fmt.Errorf("accountant: must be %q or %q, not %q", AccountantRDP, AccountantPLD, p.Accountant)
	}
	for _, a := range p.Orders {
		if !(a > 1) || math.IsInf(a, 1) {
			return fmt.Errorf("orders: each order must be a number greater than 1, not %v", a)
		}
	}
	return nil
}

func (p Params) validateRate() error {
	switch {
	case p.N < 0:
		return errors.New("n: must be a positive number of examples")
	case p.BatchSize < 0:
		return errors.New("batch_size: must be a positive number of examples")
	case p.BatchSize > 0 && p.N == 0:
		return errors.New("n: needed with batch_size, to give the sampling rate batch_size/n")
	case p.BatchSize > p.N:
		return fmt.Errorf("batch_size: must not exceed n (%d)", p.N)
	case p.Q != 0 && !(p.Q > 0 && p.Q <= 1):
		return errors.New("q: must be greater than 0 and at most 1")
	case p.Q == 0 && p.BatchSize == 0:
		return errors.New("q: give the sampling rate q, or n and batch_size")
	case p.Q != 0 && p.BatchSize > 0 && math.Abs(p.Q-float64(p.BatchSize)/float64(p.N)) > 1e-12:
		return fmt.Errorf("q: %v disagrees with batch_size/n = %v; give one or the other", p.Q, float64(p.BatchSize)/float64(p.N))
	}
	return nil
}

func (p Params) validateLength() error {
	switch {
	case p.Steps < 0 || p.Epochs < 0 || math.IsNaN(p.Epochs) || math.IsInf(p.Epochs, 1):
		return errors.New("steps: must be at least 1 (epochs: greater than 0)")
	case p.Steps > 0 && p.Epochs > 0:
		return errors.New("steps: give steps or epochs, not both")
	case p.Steps == 0 && p.Epochs == 0:
		return errors.New("steps: give steps (at least 1) or epochs")
	case p.Epochs > 0 && stepsFor(p.Epochs, p.rate(), p.N, p.BatchSize) > math.MaxInt32:
		return errors.New("epochs: too many steps")
	}
	return nil
}

// Rate is the sampling rate q (of valid parameters).
func (p Params) Rate() float64 { return p.rate() }

// StepCount is the number of steps (of valid parameters).
func (p Params) StepCount() int { return p.steps() }

// Notes are the warnings that follow from the parameters alone: non-Poisson sampling, and a delta
// not below 1/n.
func (p Params) Notes() []string {
	var w []string
	if p.Sampling == Shuffle {
		w = append(w, "sampling is shuffle: both accountants assume Poisson sampling, so these figures are what Poisson sampling would give, not a proven bound for shuffled batches")
	}
	if p.N > 0 && p.Delta >= 1/float64(p.N) {
		w = append(w, fmt.Sprintf("delta %g is not below 1/n = %g", p.Delta, 1/float64(p.N)))
	}
	return w
}

// rate is the sampling rate q.
func (p Params) rate() float64 {
	if p.Q != 0 {
		return p.Q
	}
	return float64(p.BatchSize) / float64(p.N)
}

// stepsFor is the number of steps of epochs: ceil(epochs*n/batch), or ceil(epochs/q).
func stepsFor(epochs, q float64, n, batch int) float64 {
	if n > 0 && batch > 0 {
		return math.Ceil(epochs * float64(n) / float64(batch))
	}
	return math.Ceil(epochs / q)
}

// steps is the number of steps the parameters describe (valid parameters only).
func (p Params) steps() int {
	if p.Steps > 0 {
		return p.Steps
	}
	return int(stepsFor(p.Epochs, p.rate(), p.N, p.BatchSize))
}

func (p Params) orders() []float64 {
	if len(p.Orders) == 0 {
		return DefaultOrders
	}
	return p.Orders
}

// Result is what Compute finds for one set of parameters.
type Result struct {
	Params      Params   `json:"params"`
	Q           float64  `json:"q"`
	Steps       int      `json:"steps"`
	Epsilon     float64  `json:"epsilon"` // RDP accountant
	Order       float64  `json:"order"`   // the optimal RDP order
	EpsilonPLD  *float64 `json:"epsilon_pld,omitempty"`
	PLDInterval float64  `json:"pld_interval,omitempty"` // the PLD's loss discretisation interval
	Poisson     bool     `json:"poisson"`
	Warnings    []string `json:"warnings,omitempty"`
}

// Figures are the result's evidence figures, kind dp (see the evidence contract).
func (r Result) Figures() map[string]float64 {
	f := map[string]float64{
		"epsilon": r.Epsilon,
		"delta":   r.Params.Delta,
		"sigma":   r.Params.Sigma,
		"q":       r.Q,
		"steps":   float64(r.Steps),
		"order":   r.Order,
		"poisson": 0,
	}
	if r.Poisson {
		f["poisson"] = 1
	}
	if r.EpsilonPLD != nil {
		f["epsilon_pld"] = *r.EpsilonPLD
	}
	if r.Params.N > 0 {
		f["delta_times_n"] = r.Params.Delta * float64(r.Params.N)
	}
	return f
}

// Compute runs the RDP accountant and, up to MaxPLDSteps steps, the PLD accountant.
func Compute(p Params) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	r := Result{Params: p, Q: p.rate(), Steps: p.steps(), Poisson: p.Sampling != Shuffle}
	var err error
	r.Epsilon, r.Order, err = EpsilonRDP(r.Q, p.Sigma, r.Steps, p.Delta, p.orders())
	if err != nil {
		return Result{}, err
	}
	if math.IsInf(r.Epsilon, 1) {
		return Result{}, errors.New("sigma: too small: the RDP bound is infinite at every order")
	}
	if orders := p.orders(); r.Order == minOf(orders) || r.Order == maxOf(orders) {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the optimal RDP order %v is at the edge of the order grid; a wider grid may give a smaller epsilon", r.Order))
	}
	if r.Steps > MaxPLDSteps {
		r.Warnings = append(r.Warnings, fmt.Sprintf("PLD accountant not run: more than %d steps", MaxPLDSteps))
	} else {
		eps, h, err := EpsilonPLD(r.Q, p.Sigma, r.Steps, p.Delta)
		switch {
		case err != nil:
			r.Warnings = append(r.Warnings, "PLD accountant not run: "+strings.TrimPrefix(err.Error(), "pld: "))
		case math.IsInf(eps, 1):
			r.Warnings = append(r.Warnings, "PLD accountant: epsilon is unbounded at this delta")
		default:
			r.EpsilonPLD, r.PLDInterval = &eps, h
			if h > pldInterval {
				r.Warnings = append(r.Warnings, fmt.Sprintf("PLD accountant used loss interval %g instead of %g to bound its cost; its epsilon is still an upper bound, slightly less tight", h, pldInterval))
			}
		}
	}
	r.Warnings = append(r.Warnings, p.Notes()...)
	return r, nil
}

func minOf(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		m = min(m, v)
	}
	return m
}

func maxOf(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	return m
}
