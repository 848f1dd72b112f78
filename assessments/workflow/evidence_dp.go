package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/dp"
	"github.com/piaf-dev/piaf/assessments/figures"
)

// Bounds on the DP work one web or API request may cost. The PLD accountant's cost grows with the
// steps (about a second per 10,000 steps on a small machine); past MaxWebPLDSteps only the RDP
// accountant runs, with a warning that says so, and the CLI gives both.
const (
	MaxWebPLDSteps = 20_000
	// MaxWebSigmaPLDSteps bounds a noise search with the PLD accountant, which runs a full
	// composition per bisection step.
	MaxWebSigmaPLDSteps = 2_000
)

func init() { RegisterEvidence(figures.DP, dpEvidence) }

// Tool names piaf as the tool that computed a record: "piaf/VERSION" from the build.
func Tool() string {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return "piaf/" + v
}

// dpEvidence computes a DP budget record from the training run's parameters (dp.Params' JSON).
func dpEvidence(_ context.Context, _ *Service, req EvidenceRequest) (assessments.EvidenceInput, error) {
	var p dp.Params
	if err := DecodeParams(req.Params, &p); err != nil {
		return assessments.EvidenceInput{}, err
	}
	r, err := ComputeDP(p)
	if err != nil {
		return assessments.EvidenceInput{}, prefixFields("params.", err)
	}
	return DPEvidenceInput(r)
}

// DPEvidenceInput is the record of a computed DP budget: the parameters as inputs, the result's
// figures and warnings.
func DPEvidenceInput(r dp.Result) (assessments.EvidenceInput, error) {
	inputs, err := json.Marshal(r.Params)
	if err != nil {
		return assessments.EvidenceInput{}, err
	}
	return assessments.EvidenceInput{Kind: figures.DP, Source: assessments.SourceComputed, Tool: Tool(),
		Inputs: inputs, Figures: r.Figures(), Warnings: r.Warnings}, nil
}

// dpInvalid turns the dp package's "field: message" errors into a validation error on that
// field (dp.Params' JSON names; forms map them to their inputs).
func dpInvalid(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i > 0 && !strings.Contains(msg[:i], " ") {
		return Invalid(msg[:i], msg[i+2:])
	}
	return Invalid("_", msg)
}

// prefixFields puts prefix before every field of a validation error: the fields of a kind's
// params are "params.<name>" in an evidence request.
func prefixFields(prefix string, err error) error {
	var invalid *ValidationError
	if !errors.As(err, &invalid) {
		return err
	}
	p := Problems{}
	for f, m := range invalid.Fields {
		if f == "_" {
			f = strings.TrimSuffix(prefix, ".")
		} else {
			f = prefix + f
		}
		p.Add(f, m)
	}
	return p.Err()
}

// ComputeDP runs both accountants within the web bound: dp.Compute up to MaxWebPLDSteps steps,
// the RDP accountant alone beyond.
func ComputeDP(p dp.Params) (dp.Result, error) {
	if err := p.Validate(); err != nil {
		return dp.Result{}, dpInvalid(err)
	}
	if p.StepCount() <= MaxWebPLDSteps {
		r, err := dp.Compute(p)
		if err != nil {
			return dp.Result{}, dpInvalid(err)
		}
		return r, nil
	}
	r := dp.Result{Params: p, Q: p.Rate(), Steps: p.StepCount(), Poisson: p.Sampling != dp.Shuffle}
	orders := p.Orders
	if len(orders) == 0 {
		orders = dp.DefaultOrders
	}
	var err error
	r.Epsilon, r.Order, err = dp.EpsilonRDP(r.Q, p.Sigma, r.Steps, p.Delta, orders)
	if err != nil {
		return dp.Result{}, dpInvalid(err)
	}
	if math.IsInf(r.Epsilon, 1) {
		return dp.Result{}, Invalid("sigma", "too small: the RDP bound is infinite at every order")
	}
	if r.Order == slices.Min(orders) || r.Order == slices.Max(orders) {
		r.Warnings = append(r.Warnings, fmt.Sprintf("the optimal RDP order %v is at the edge of the order grid; a wider grid may give a smaller epsilon", r.Order))
	}
	r.Warnings = append(r.Warnings, fmt.Sprintf("PLD accountant not run: more than %d steps is too costly for a web request; run 'piaf dp epsilon --accountant pld' for it", MaxWebPLDSteps))
	r.Warnings = append(r.Warnings, p.Notes()...)
	return r, nil
}

// DPEpsilon is what 'piaf dp epsilon --json' prints: epsilon by the accountant asked for (RDP
// unless p.Accountant is pld), with the optimal order for RDP.
type DPEpsilon struct {
	Epsilon    float64  `json:"epsilon"`
	Delta      float64  `json:"delta"`
	Order      *float64 `json:"order,omitempty"`
	Steps      int      `json:"steps"`
	Q          float64  `json:"q"`
	Sigma      float64  `json:"sigma"`
	Accountant string   `json:"accountant"`
	Warnings   []string `json:"warnings,omitempty"`
}

// EpsilonFor runs only the accountant p asks for; maxPLDSteps bounds the PLD work (0: no bound).
func EpsilonFor(p dp.Params, maxPLDSteps int) (DPEpsilon, error) {
	if err := p.Validate(); err != nil {
		return DPEpsilon{}, dpInvalid(err)
	}
	if p.Accountant == "" {
		p.Accountant = dp.AccountantRDP
	}
	out := DPEpsilon{Delta: p.Delta, Q: p.Rate(), Steps: p.StepCount(), Sigma: p.Sigma, Accountant: p.Accountant}
	if p.Accountant == dp.AccountantPLD {
		if maxPLDSteps > 0 && out.Steps > maxPLDSteps {
			return out, Invalid("accountant", fmt.Sprintf("the PLD accountant is too costly for a web request beyond %d steps (this run has %d): use rdp, or 'piaf dp epsilon --accountant pld'", maxPLDSteps, out.Steps))
		}
		eps, h, err := dp.EpsilonPLD(out.Q, p.Sigma, out.Steps, p.Delta)
		if err != nil {
			return out, dpInvalid(err)
		}
		if math.IsInf(eps, 1) {
			return out, Invalid("sigma", "epsilon is unbounded at this delta (sigma too small)")
		}
		out.Epsilon = eps
		if h > 1e-4 {
			out.Warnings = append(out.Warnings, fmt.Sprintf("PLD used loss interval %g instead of 1e-4 to bound its cost; still an upper bound", h))
		}
	} else {
		orders := p.Orders
		if len(orders) == 0 {
			orders = dp.DefaultOrders
		}
		eps, order, err := dp.EpsilonRDP(out.Q, p.Sigma, out.Steps, p.Delta, orders)
		if err != nil {
			return out, dpInvalid(err)
		}
		if math.IsInf(eps, 1) {
			return out, Invalid("sigma", "epsilon is unbounded at every order (sigma too small)")
		}
		out.Epsilon, out.Order = eps, &order
		if order == slices.Min(orders) || order == slices.Max(orders) {
			out.Warnings = append(out.Warnings, fmt.Sprintf("the optimal order %g is at the edge of the order grid; a wider --orders may give a smaller epsilon", order))
		}
	}
	out.Warnings = append(out.Warnings, p.Notes()...)
	return out, nil
}

// DPSigma is what 'piaf dp sigma --json' prints: the smallest noise multiplier that keeps the run
// within the target epsilon, and the epsilon it gives.
type DPSigma struct {
	Sigma         float64 `json:"sigma"`
	Epsilon       float64 `json:"epsilon"`
	TargetEpsilon float64 `json:"target_epsilon"`
	Delta         float64 `json:"delta"`
	Steps         int     `json:"steps"`
	Q             float64 `json:"q"`
	Accountant    string  `json:"accountant"`
}

// SigmaFor searches the noise multiplier for a target epsilon (p.Sigma is ignored);
// maxPLDSteps bounds a PLD search (0: no bound).
func SigmaFor(p dp.Params, target float64, maxPLDSteps int) (DPSigma, error) {
	if p.Accountant == "" {
		p.Accountant = dp.AccountantRDP
	}
	check := p
	check.Sigma = 1
	if err := check.Validate(); err != nil {
		return DPSigma{}, dpInvalid(err)
	}
	if p.Accountant == dp.AccountantPLD && maxPLDSteps > 0 && check.StepCount() > maxPLDSteps {
		return DPSigma{}, Invalid("accountant", fmt.Sprintf("a noise search with the PLD accountant is too costly for a web request beyond %d steps (this run has %d): use rdp, or 'piaf dp sigma --accountant pld'", maxPLDSteps, check.StepCount()))
	}
	sigma, eps, err := dp.Sigma(p, target)
	if err != nil {
		if strings.HasPrefix(err.Error(), "target_epsilon:") {
			return DPSigma{}, Invalid("target_epsilon", strings.TrimSpace(strings.TrimPrefix(err.Error(), "target_epsilon:")))
		}
		return DPSigma{}, dpInvalid(err)
	}
	return DPSigma{Sigma: sigma, Epsilon: eps, TargetEpsilon: target, Delta: p.Delta, Steps: check.StepCount(), Q: check.Rate(), Accountant: p.Accountant}, nil
}

// MaxWebCurvePLDSteps bounds the PLD points of the tool's chart: beyond it the chart draws the
// RDP curve only.
const MaxWebCurvePLDSteps = 10_000

// DPCurve is epsilon after points evenly spaced fractions of r's run, for the tool's chart. The
// RDP curve costs one evaluation (RDP scales with the steps); the PLD accountant, whose cost
// grows with the steps and the width of the loss distribution, is run at the quarters only,
// reusing r's own PLD epsilon for the full run, and only when r has one and the run is at most
// MaxWebCurvePLDSteps long.
func DPCurve(r dp.Result, points int) ([]dp.CurvePoint, error) {
	p := r.Params
	orders := p.Orders
	if len(orders) == 0 {
		orders = dp.DefaultOrders
	}
	perStep, err := dp.RDP(r.Q, p.Sigma, 1, orders)
	if err != nil {
		return nil, err
	}
	epochsPerStep := r.Q
	if p.N > 0 && p.BatchSize > 0 {
		epochsPerStep = float64(p.BatchSize) / float64(p.N)
	}
	withPLD := r.EpsilonPLD != nil && r.Steps <= MaxWebCurvePLDSteps
	rdp := make([]float64, len(orders))
	out := make([]dp.CurvePoint, 0, points)
	for k := 1; k <= points; k++ {
		steps := max(1, int(math.Round(float64(r.Steps)*float64(k)/float64(points))))
		for i, v := range perStep {
			rdp[i] = v * float64(steps)
		}
		eps, _ := dp.EpsilonFromRDP(orders, rdp, p.Delta)
		pt := dp.CurvePoint{Epochs: float64(steps) * epochsPerStep, Steps: steps, Epsilon: eps}
		switch {
		case k == points && r.EpsilonPLD != nil:
			e := *r.EpsilonPLD
			pt.EpsilonPLD = &e
		case withPLD && (4*k)%points == 0:
			if e, _, err := dp.EpsilonPLD(r.Q, p.Sigma, steps, p.Delta); err == nil && !math.IsInf(e, 1) {
				pt.EpsilonPLD = &e
			}
		}
		out = append(out, pt)
	}
	return out, nil
}
