// Package figures is the vocabulary of evidence: the kinds of evidence records, the figures each
// kind carries, the policy limits rules compare them with, and how each reads for people (name
// and unit). The questionnaire loader, the assessment state, the reports and the pages all take
// their names from here, so a figure is spelled and explained in one place.
package figures

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Kinds of evidence.
const (
	DP         = "dp"
	PII        = "pii"
	MIA        = "mia"
	Canary     = "canary"
	Extraction = "extraction"
	Manifest   = "manifest"
)

// Kinds lists the kinds in the order reports show them.
var Kinds = []string{DP, PII, MIA, Canary, Extraction, Manifest}

// Unit says how a figure's value reads.
type Unit string

// Units of figures.
const (
	Count       Unit = "count"       // a whole number of things
	Ratio       Unit = "ratio"       // a number without unit, shown as is (epsilon, AUC)
	Probability Unit = "probability" // 0..1, shown as a percentage
	Bits        Unit = "bits"
	Bytes       Unit = "bytes"
	PerThousand Unit = "per 1,000 records"
	Flag        Unit = "yes/no" // 1 or 0
)

// Figure describes one figure of a kind.
type Figure struct {
	Name  string // as rules address it after "KIND."
	Label string // words for a reader
	Unit  Unit
}

var kindLabels = map[string]string{
	DP:         "Differential privacy budget",
	PII:        "PII scan",
	MIA:        "Membership-inference test",
	Canary:     "Canary exposure test",
	Extraction: "Training-data extraction test",
	Manifest:   "Run manifest",
}

// fixed lists each kind's figures with fixed names, in the order reports show them.
var fixed = map[string][]Figure{
	DP: {
		{"epsilon", "ε (epsilon), RDP accountant", Ratio},
		{"epsilon_pld", "ε (epsilon), PLD accountant", Ratio},
		{"delta", "δ (delta)", Ratio},
		{"delta_times_n", "δ × N (must stay below 1)", Ratio},
		{"sigma", "Noise multiplier σ", Ratio},
		{"q", "Sampling rate q", Ratio},
		{"steps", "Training steps", Count},
		{"order", "Optimal RDP order", Ratio},
		{"poisson", "Poisson sampling", Flag},
	},
	PII: {
		{"before_records", "Records scanned before anonymisation", Count},
		{"before_records_with_pii", "Records with PII before anonymisation", Count},
		{"before_rate_per_1000", "Rate of records with PII before anonymisation", PerThousand},
		{"before_detections", "PII detections before anonymisation", Count},
		{"after_records", "Records scanned after anonymisation", Count},
		{"after_records_with_pii", "Records with PII after anonymisation", Count},
		{"after_rate_per_1000", "Rate of records with PII after anonymisation", PerThousand},
		{"after_detections", "PII detections after anonymisation", Count},
	},
	MIA: {
		{"auc", "ROC AUC", Ratio},
		{"auc_ci_low", "ROC AUC, lower bound of the 95 % interval", Ratio},
		{"auc_ci_high", "ROC AUC, upper bound of the 95 % interval", Ratio},
		{"tpr_at_fpr_0_1pct", "True-positive rate at 0.1 % false positives", Probability},
		{"tpr_at_fpr_1pct", "True-positive rate at 1 % false positives", Probability},
		{"advantage", "Membership advantage (TPR − FPR, best threshold)", Ratio},
		{"balanced_accuracy", "Balanced accuracy", Probability},
		{"members", "Members tested", Count},
		{"non_members", "Non-members tested", Count},
		{"credible", "Test design credible", Flag},
	},
	Canary: {
		{"canaries", "Canaries", Count},
		{"references", "Reference candidates per canary", Count},
		{"max_exposure", "Highest exposure", Bits},
		{"max_possible_exposure", "Highest possible exposure (log₂|R|)", Bits},
		{"exposure_margin", "Margin below the highest possible exposure", Bits},
	},
	Extraction: {
		{"prompts", "Prompts", Count},
		{"generations", "Generations", Count},
		{"verbatim_matches", "Verbatim matches of training data", Count},
		{"near_verbatim_matches", "Near-verbatim matches of training data", Count},
		{"pii_emitted", "Personal data values emitted", Count},
	},
	Manifest: {
		{"files", "Files hashed", Count},
		{"bytes", "Bytes hashed", Bytes},
	},
}

// entityType is a PII entity type as Presidio spells them: EMAIL_ADDRESS, US_SSN, ...
var entityType = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)

// KnownKind tells whether kind is a kind of evidence.
func KnownKind(kind string) bool { return slices.Contains(Kinds, kind) }

// KindLabel is the kind in words.
func KindLabel(kind string) string {
	if l, ok := kindLabels[kind]; ok {
		return l
	}
	return kind
}

// Of lists a kind's fixed figures in display order; PII's per-type figures are not among them.
func Of(kind string) []Figure { return slices.Clone(fixed[kind]) }

// Known tells whether name is a figure of kind: a fixed name, or for pii a per-type figure such
// as before_EMAIL_ADDRESS.
func Known(kind, name string) bool {
	_, ok := Lookup(kind, name)
	return ok
}

// Lookup describes a figure of a kind.
func Lookup(kind, name string) (Figure, bool) {
	for _, f := range fixed[kind] {
		if f.Name == name {
			return f, true
		}
	}
	if kind == PII {
		if stage, typ, ok := PerType(name); ok {
			return Figure{Name: name, Label: typ + " detections " + stage + " anonymisation", Unit: Count}, true
		}
	}
	return Figure{}, false
}

// PerType splits a pii per-type figure such as after_EMAIL_ADDRESS into its stage ("before" or
// "after") and entity type.
func PerType(name string) (stage, typ string, ok bool) {
	for _, st := range []string{"before", "after"} {
		if t, found := strings.CutPrefix(name, st+"_"); found && entityType.MatchString(t) {
			return st, t, true
		}
	}
	return "", "", false
}

// Label is a figure in words, or its name when unknown.
func Label(kind, name string) string {
	if f, ok := Lookup(kind, name); ok {
		return f.Label
	}
	return name
}

// Format writes a value in the figure's unit for a reader: "3.2", "12,000", "0.45 %", "38.2 bits", "yes".
func Format(kind, name string, v float64) string {
	f, ok := Lookup(kind, name)
	if !ok {
		return Number(v)
	}
	switch f.Unit {
	case Count, Bytes:
		if v == float64(int64(v)) {
			s := groupThousands(int64(v))
			if f.Unit == Bytes {
				s += " bytes"
			}
			return s
		}
		return Number(v)
	case Probability:
		return Number(v*100) + " %"
	case Bits:
		return Number(v) + " bits"
	case PerThousand:
		return Number(v) + " per 1,000 records"
	case Flag:
		if v != 0 {
			return "yes"
		}
		return "no"
	}
	return Number(v)
}

// Number writes a value with up to four significant decimals, without trailing zeros, and tiny
// values (delta) in scientific notation.
func Number(v float64) string {
	if v != 0 && (v < 1e-3 && v > -1e-3) {
		return strconv.FormatFloat(v, 'e', 3, 64)
	}
	s := strconv.FormatFloat(v, 'f', 4, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func groupThousands(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
