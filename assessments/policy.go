package assessments

import (
	"math"

	"github.com/piaf-dev/piaf/assessments/figures"
)

// Policy holds the organisation's limits that rules compare evidence with. It is kept in the
// settings (editable by admins, audited); rules name its fields by their JSON names, which are
// figures.Limits' names.
type Policy struct {
	MaxEpsilon         float64 `json:"max_epsilon"`
	MaxDeltaTimesN     float64 `json:"max_delta_times_n"`
	MaxMIAAUC          float64 `json:"max_mia_auc"`
	MaxTPRRatioAt01Pct float64 `json:"max_tpr_ratio_at_0_1pct"`
	CanaryMarginBits   float64 `json:"canary_margin_bits"`
}

// DefaultPolicy is the policy before an admin changes it: ε at most 8 at δ ≤ 1/N, membership
// inference AUC at most 0.6 and TPR at 0.1 % FPR at most ten times the FPR, canaries at least
// 2 bits below their highest possible exposure.
func DefaultPolicy() Policy {
	var p Policy
	for _, l := range figures.Limits {
		*p.field(l.Name) = l.Default
	}
	return p
}

func (p *Policy) field(name string) *float64 {
	switch name {
	case "max_epsilon":
		return &p.MaxEpsilon
	case "max_delta_times_n":
		return &p.MaxDeltaTimesN
	case "max_mia_auc":
		return &p.MaxMIAAUC
	case "max_tpr_ratio_at_0_1pct":
		return &p.MaxTPRRatioAt01Pct
	case "canary_margin_bits":
		return &p.CanaryMarginBits
	}
	return nil
}

// Limits maps each limit's name to its value, as rule evaluation reads them.
func (p Policy) Limits() map[string]float64 {
	out := make(map[string]float64, len(figures.Limits))
	for _, l := range figures.Limits {
		out[l.Name] = *p.field(l.Name)
	}
	return out
}

// Validate checks every limit, naming the first wrong field: each is a finite number greater
// than 0, AUC at most 1.
func (p Policy) Validate() error {
	for _, l := range figures.Limits {
		v := *p.field(l.Name)
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fieldErr(l.Name, "must be a number")
		case v <= 0:
			return fieldErr(l.Name, "must be greater than 0")
		case l.Name == "max_mia_auc" && (v < 0.5 || v > 1):
			return fieldErr(l.Name, "must be between 0.5 (chance) and 1")
		}
	}
	return nil
}
