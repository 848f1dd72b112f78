package figures

import "slices"

// Limit is a policy limit that rules compare figures with, e.g. {evidence: dp.epsilon, gt:
// {policy: max_epsilon}}. The values live in the organisation's settings (assessments.Policy);
// the names and defaults live here so the questionnaire loader can check rules without them.
type Limit struct {
	Name    string
	Label   string
	Default float64
}

// Limits lists the policy limits rules may name, in the order the settings page shows them.
var Limits = []Limit{
	{"max_epsilon", "Highest acceptable ε (epsilon) of a DP-trained model", 8},
	{"max_delta_times_n", "Highest acceptable δ × N (1 means δ ≤ 1/N)", 1},
	{"max_mia_auc", "Highest acceptable membership-inference ROC AUC", 0.6},
	{"max_tpr_ratio_at_0_1pct", "Highest acceptable ratio of TPR to FPR at 0.1 % false positives", 10},
	{"canary_margin_bits", "Smallest acceptable margin, in bits, between a canary's exposure and its maximum", 2},
}

// LimitNames lists the names of the limits.
func LimitNames() []string {
	names := make([]string, len(Limits))
	for i, l := range Limits {
		names[i] = l.Name
	}
	return names
}

// KnownLimit tells whether name is a policy limit.
func KnownLimit(name string) bool { return slices.Contains(LimitNames(), name) }
