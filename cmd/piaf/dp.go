package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments/dp"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

// dpCommand is the DP-SGD privacy budget calculator: epsilon, RDP values, and the noise needed.
func dpCommand(args []string, e env) error {
	if len(args) == 0 {
		return errors.New("dp: say what to compute: epsilon, rdp or sigma; see 'piaf help'")
	}
	switch args[0] {
	case "epsilon":
		return dpEpsilon(args[1:], e)
	case "rdp":
		return dpRDP(args[1:], e)
	case "sigma":
		return dpSigma(args[1:], e)
	}
	return fmt.Errorf("dp: unknown command %q; use epsilon, rdp or sigma", args[0])
}

// dpFlags are the run's parameters, shared by the dp commands.
type dpFlags struct {
	n, batch, steps              *int
	q, sigma, epochs, delta      *float64
	accountant, sampling, orders *string
	asJSON                       *bool
}

func newDPFlags(fs *flag.FlagSet, withSigma bool) dpFlags {
	f := dpFlags{
		n:          fs.Int("n", 0, "training examples N (with --batch gives q = B/N)"),
		batch:      fs.Int("batch", 0, "batch size B (expected, under Poisson sampling)"),
		q:          fs.Float64("q", 0, "sampling rate, instead of --n and --batch"),
		epochs:     fs.Float64("epochs", 0, "epochs; steps = ceil(E*N/B), or ceil(E/q) without --n"),
		steps:      fs.Int("steps", 0, "steps, instead of --epochs"),
		delta:      fs.Float64("delta", 0, "delta, in (0, 1); well below 1/N"),
		accountant: fs.String("accountant", dp.AccountantRDP, "rdp or pld (privacy loss distributions: tighter, slower)"),
		sampling:   fs.String("sampling", dp.Poisson, "poisson or shuffle (accounted as Poisson, with a warning)"),
		orders: fs.String("orders", "", "RDP orders, comma separated, or opacus, dp_accounting, tf_privacy for a library's grid\n"+
			"(default: the union of those three, 1.1 to 10.9 by 0.1, 1.25, 1.75, 2.25, 11 to 63, 128, 256, 512, 1024)"),
		asJSON: fs.Bool("json", false, "print one JSON object"),
	}
	if withSigma {
		f.sigma = fs.Float64("sigma", 0, "noise multiplier (noise std / clipping norm)")
	} else {
		f.sigma = new(float64)
	}
	return f
}

// params builds dp.Params from the flags and validates them, naming flags in errors.
func (f dpFlags) params(cmd string, fs *flag.FlagSet) (dp.Params, error) {
	qGiven := false
	fs.Visit(func(fl *flag.Flag) { qGiven = qGiven || fl.Name == "q" })
	if qGiven && !(*f.q > 0 && *f.q <= 1) {
		return dp.Params{}, fmt.Errorf("%s: --q: must be greater than 0 and at most 1", cmd)
	}
	orders, err := parseOrders(*f.orders)
	if err != nil {
		return dp.Params{}, fmt.Errorf("%s: %w", cmd, err)
	}
	p := dp.Params{N: *f.n, BatchSize: *f.batch, Q: *f.q, Sigma: *f.sigma, Epochs: *f.epochs, Steps: *f.steps,
		Delta: *f.delta, Sampling: *f.sampling, Accountant: *f.accountant, Orders: orders}
	if err := p.Validate(); err != nil {
		return dp.Params{}, flagError(cmd, err)
	}
	return p, nil
}

// flagError rewrites a domain error's leading field name as the flag that sets it.
func flagError(cmd string, err error) error {
	msg := strings.ReplaceAll(err.Error(), " n and batch_size", " --n and --batch")
	for field, flagName := range map[string]string{"batch_size": "batch", "target_epsilon": "target-epsilon"} {
		if strings.HasPrefix(msg, field+":") {
			return fmt.Errorf("%s: --%s%s", cmd, flagName, strings.TrimPrefix(msg, field))
		}
	}
	if i := strings.Index(msg, ":"); i > 0 && !strings.Contains(msg[:i], " ") {
		return fmt.Errorf("%s: --%s", cmd, msg)
	}
	return fmt.Errorf("%s: %s", cmd, msg)
}

func parseOrders(s string) ([]float64, error) {
	switch s {
	case "":
		return nil, nil
	case "opacus":
		return dp.OpacusOrders, nil
	case "dp_accounting":
		return dp.DPAccountingOrders, nil
	case "tf_privacy":
		return dp.TFPrivacyOrders, nil
	}
	var out []float64
	for part := range strings.SplitSeq(s, ",") {
		a, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || !(a > 1) || math.IsInf(a, 1) {
			return nil, fmt.Errorf("--orders: %q is not an order greater than 1", strings.TrimSpace(part))
		}
		out = append(out, a)
	}
	return out, nil
}

func writeJSON(e env, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}

const epsilonSynopsis = "piaf dp epsilon (--n N --batch B | --q Q) --sigma S (--epochs E | --steps T) --delta D [--accountant rdp|pld] [--orders LIST] [--json]"

// dpEpsilon prints epsilon for a training run.
func dpEpsilon(args []string, e env) error {
	fs := newFlags("piaf dp epsilon", epsilonSynopsis, e)
	f := newDPFlags(fs, true)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	p, err := f.params("dp epsilon", fs)
	if err != nil {
		return err
	}
	out, warnings, err := epsilonFor(p)
	if err != nil {
		return fmt.Errorf("dp epsilon: %w", err)
	}
	if *f.asJSON {
		return writeJSON(e, out)
	}
	fmt.Fprintf(e.stdout, "epsilon %.6g at delta %g (%s", out.Epsilon, out.Delta, strings.ToUpper(out.Accountant))
	if out.Order != nil {
		fmt.Fprintf(e.stdout, ", optimal order %g", *out.Order)
	}
	fmt.Fprintf(e.stdout, "), %d steps at q %.6g, sigma %g\n", out.Steps, out.Q, out.Sigma)
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	return nil
}

// epsilonFor runs only the accountant asked for (Compute would run both): the same answer the
// API's POST /api/v1/dp/epsilon gives, without its bound on the work.
func epsilonFor(p dp.Params) (workflow.DPEpsilon, []string, error) {
	out, err := workflow.EpsilonFor(p, 0)
	if err != nil {
		return out, nil, err
	}
	return out, out.Warnings, nil
}

// dpRDP prints the RDP of the run at each order.
func dpRDP(args []string, e env) error {
	fs := newFlags("piaf dp rdp", "piaf dp rdp --q Q --sigma S --steps T [--orders LIST] [--json]", e)
	q := fs.Float64("q", 0, "sampling rate, in (0, 1]")
	sigma := fs.Float64("sigma", 0, "noise multiplier")
	steps := fs.Int("steps", 0, "steps")
	ordersFlag := fs.String("orders", "", "RDP orders, comma separated, or opacus, dp_accounting, tf_privacy (default: the union grid)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	orders, err := parseOrders(*ordersFlag)
	if err != nil {
		return fmt.Errorf("dp rdp: %w", err)
	}
	if orders == nil {
		orders = dp.DefaultOrders
	}
	rdp, err := dp.RDP(*q, *sigma, *steps, orders)
	if err != nil {
		return flagError("dp rdp", err)
	}
	for _, r := range rdp {
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return errors.New("dp rdp: the RDP overflows at some order (sigma too small); give smaller --orders")
		}
	}
	if *asJSON {
		return writeJSON(e, struct {
			Orders []float64 `json:"orders"`
			RDP    []float64 `json:"rdp"`
		}{orders, rdp})
	}
	for i, a := range orders {
		fmt.Fprintf(e.stdout, "%-8g %.10g\n", a, rdp[i])
	}
	return nil
}

// dpSigma prints the smallest noise multiplier that keeps the run within a target epsilon.
func dpSigma(args []string, e env) error {
	fs := newFlags("piaf dp sigma", "piaf dp sigma --target-epsilon E (--n N --batch B | --q Q) (--epochs E | --steps T) --delta D [--accountant rdp|pld] [--orders LIST] [--json]", e)
	target := fs.Float64("target-epsilon", 0, "the epsilon to stay within")
	f := newDPFlags(fs, false)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	*f.sigma = 1 // validated as a placeholder; Sigma searches for it
	p, err := f.params("dp sigma", fs)
	if err != nil {
		return err
	}
	out, err := workflow.SigmaFor(p, *target, 0)
	if err != nil {
		return flagError("dp sigma", err)
	}
	if *f.asJSON {
		return writeJSON(e, out)
	}
	fmt.Fprintf(e.stdout, "sigma %.6g gives epsilon %.6g (target %g) at delta %g (%s), %d steps at q %.6g\n",
		out.Sigma, out.Epsilon, out.TargetEpsilon, out.Delta, strings.ToUpper(out.Accountant), out.Steps, out.Q)
	return nil
}
