package assessments

import (
	"fmt"
	"slices"
	"strings"
)

// A residual risk below the inherent one is a claim that mitigations work. It rests on evidence
// only when at least one linked mitigation is implemented or verified; with planned or in-progress
// ones alone it is a projection, shown as such and counted as open.

// Effective is a finding's residual risk as the evidence supports it.
type Effective struct {
	Level     Level // the level that counts: the residual one when evidenced, else the inherent one
	Claimed   Level // the residual level the assessor gave (the inherent one when none)
	Projected bool  // Claimed is below the inherent level but no linked mitigation is in place yet
}

// inPlace tells whether a mitigation status means the measure exists.
func inPlace(st MitigationStatus) bool {
	return st == MitigationImplemented || st == MitigationVerified
}

// EffectiveResidual judges f's residual risk against the mitigations of s (pass the current,
// tracked state to see tracking after approval).
func EffectiveResidual(s State, f *Finding) Effective {
	e := Effective{Level: f.ResidualLevel(), Claimed: f.ResidualLevel()}
	if e.Claimed >= f.InherentLevel() {
		return e
	}
	for _, id := range f.Mitigations {
		if m, ok := s.Mitigations[id]; ok && inPlace(m.Status) {
			return e
		}
	}
	e.Level, e.Projected = f.InherentLevel(), true
	return e
}

// Projected lists the live findings whose residual risk is only projected, by title.
func Projected(s State) []*Finding {
	var out []*Finding
	for _, f := range s.Findings {
		if f.Live() && EffectiveResidual(s, f).Projected {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *Finding) int { return strings.Compare(a.Title, b.Title) })
	return out
}

// OpenForSubmission tells whether f counts as open for the submission rules: open, or marked
// mitigated while its lower residual risk is only projected. Accepted and not-applicable
// findings are closed by a decision.
func OpenForSubmission(s State, f *Finding) bool {
	if !f.Live() {
		return false
	}
	switch f.Status {
	case FindingOpen:
		return true
	case FindingMitigated:
		return EffectiveResidual(s, f).Projected
	}
	return false
}

// EvidenceBlockers are the live findings marked mitigated whose evidenced level is significant or
// maximum because their lower residual risk is only projected. They keep an assessment from
// review and approval beside Blockers (open high risks with no mitigation and no acceptance).
func EvidenceBlockers(s State) []*Finding {
	var out []*Finding
	for _, f := range s.Findings {
		if f.Live() && f.Status == FindingMitigated && EffectiveResidual(s, f).Projected && f.InherentLevel().High() {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *Finding) int { return strings.Compare(a.Title, b.Title) })
	return out
}

// SettingRequireVerified is the instance setting ("true"/"false", default false) that requires
// every mitigation of a live finding to be verified before approval.
const SettingRequireVerified = "require_verified_mitigations"

// ApprovalProblems says why s may not be approved under the evidence rules; requireVerified is
// the instance setting. Findings closed by acceptance or as not applicable need no mitigation.
func ApprovalProblems(s State, requireVerified bool) []string {
	var out []string
	for _, f := range EvidenceBlockers(s) {
		out = append(out, fmt.Sprintf("The %s risk “%s” is marked mitigated, but none of its mitigations is implemented or verified yet.", f.InherentLevel().Name(), f.Title))
	}
	if !requireVerified {
		return out
	}
	var pending []string
	for _, f := range s.Findings {
		if !f.Live() || f.Status == FindingAccepted {
			continue
		}
		for _, id := range f.Mitigations {
			if m, ok := s.Mitigations[id]; ok && m.Status != MitigationVerified && !slices.Contains(pending, m.Title) {
				pending = append(pending, m.Title)
			}
		}
	}
	slices.Sort(pending)
	for _, t := range pending {
		out = append(out, fmt.Sprintf("The mitigation “%s” is not verified yet; this instance requires verified mitigations before approval.", t))
	}
	return out
}
