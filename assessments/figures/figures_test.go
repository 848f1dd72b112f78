package figures

import (
	"strings"
	"testing"
)

// The figure names agreed with the packages that compute them (the evidence contract of issue
// 12): every one must be known, so rules can address it.
var contract = map[string][]string{
	DP:         {"epsilon", "epsilon_pld", "delta", "delta_times_n", "sigma", "q", "steps", "order", "poisson"},
	PII:        {"before_records", "before_records_with_pii", "before_rate_per_1000", "before_detections", "after_records", "after_records_with_pii", "after_rate_per_1000", "after_detections", "before_EMAIL_ADDRESS", "after_US_SSN"},
	MIA:        {"auc", "auc_ci_low", "auc_ci_high", "tpr_at_fpr_0_1pct", "tpr_at_fpr_1pct", "advantage", "balanced_accuracy", "members", "non_members", "credible"},
	Canary:     {"canaries", "references", "max_exposure", "max_possible_exposure", "exposure_margin"},
	Extraction: {"prompts", "generations", "verbatim_matches", "near_verbatim_matches", "pii_emitted"},
	Manifest:   {"files", "bytes"},
}

func TestContractFiguresAreKnown(t *testing.T) {
	for kind, names := range contract {
		if !KnownKind(kind) || KindLabel(kind) == kind {
			t.Errorf("kind %s unknown or unlabelled", kind)
		}
		for _, name := range names {
			f, ok := Lookup(kind, name)
			if !ok || f.Label == "" || f.Label == name {
				t.Errorf("%s.%s: %+v, %v", kind, name, f, ok)
			}
		}
	}
	for _, bad := range [][2]string{{DP, "auc"}, {PII, "before_email"}, {PII, "during_PERSON"}, {"dpp", "epsilon"}, {MIA, ""}} {
		if Known(bad[0], bad[1]) {
			t.Errorf("%s.%s is known", bad[0], bad[1])
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		kind, name string
		v          float64
		want       string
	}{
		{DP, "epsilon", 7.91234, "7.9123"},
		{DP, "epsilon", 8, "8"},
		{DP, "delta", 1e-6, "1.000e-06"},
		{DP, "steps", 12000, "12,000"},
		{DP, "poisson", 1, "yes"},
		{MIA, "tpr_at_fpr_0_1pct", 0.0042, "0.42 %"},
		{Canary, "max_exposure", 38.25, "38.25 bits"},
		{PII, "after_rate_per_1000", 3, "3 per 1,000 records"},
		{Manifest, "bytes", 1234567, "1,234,567 bytes"},
		{DP, "unknown", 2.5, "2.5"},
	}
	for _, tt := range tests {
		if got := Format(tt.kind, tt.name, tt.v); got != tt.want {
			t.Errorf("Format(%s.%s, %v) = %q, want %q", tt.kind, tt.name, tt.v, got, tt.want)
		}
	}
	if got := Label(PII, "after_EMAIL_ADDRESS"); !strings.Contains(got, "EMAIL_ADDRESS") || !strings.Contains(got, "after") {
		t.Errorf("per-type label %q", got)
	}
}

func TestLimits(t *testing.T) {
	for _, l := range Limits {
		if !KnownLimit(l.Name) || l.Default <= 0 || l.Label == "" {
			t.Errorf("limit %+v", l)
		}
	}
	if KnownLimit("max_epsilom") {
		t.Error("unknown limit is known")
	}
}
