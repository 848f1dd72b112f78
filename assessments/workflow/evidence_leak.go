package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/leak"
	"github.com/piaf-dev/piaf/assessments/pii"
)

// Bounds on what a leak-test record keeps, so that it fits the record's inputs (64 KiB).
const (
	// MaxKeptScores is how many raw scores a record keeps when the uploader asks for them.
	MaxKeptScores = 2500
	// maxKeptCanaries is how many canaries (those with the highest exposure) a record lists.
	maxKeptCanaries = 200
)

func init() {
	RegisterEvidence(figures.MIA, func(_ context.Context, _ *Service, req EvidenceRequest) (assessments.EvidenceInput, error) {
		var t MIATest
		if err := DecodeParams(req.Params, &t); err != nil {
			return assessments.EvidenceInput{}, err
		}
		in, _, err := MIAEvidence(t, assessments.SourceComputed)
		return in, err
	})
	RegisterEvidence(figures.Canary, func(_ context.Context, _ *Service, req EvidenceRequest) (assessments.EvidenceInput, error) {
		var set leak.CanarySet
		if err := DecodeParams(req.Params, &set); err != nil {
			return assessments.EvidenceInput{}, err
		}
		in, _, err := CanaryEvidence(set, assessments.SourceComputed)
		return in, err
	})
	RegisterEvidence(figures.Extraction, func(_ context.Context, _ *Service, req EvidenceRequest) (assessments.EvidenceInput, error) {
		var x leak.Extraction
		if err := DecodeParams(req.Params, &x); err != nil {
			return assessments.EvidenceInput{}, err
		}
		return ExtractionEvidence(x, nil, "", assessments.SourceComputed)
	})
}

// MIATest is a membership-inference test to attach: its design, the scores, and whether the
// record keeps the scores (they may be sensitive: by default only the figures are kept).
type MIATest struct {
	Design     leak.MIADesign `json:"design"`
	Scores     leak.Scores    `json:"scores"`
	KeepScores bool           `json:"keep_scores"`
}

// MIAInputs is what a membership-inference record keeps as its inputs.
type MIAInputs struct {
	Design           leak.MIADesign `json:"design"`
	BootstrapSamples int            `json:"bootstrap_samples"`
	Seed             uint64         `json:"seed"`
	// ROC is the curve reduced for drawing, as [fpr, tpr] pairs.
	ROC    [][2]float64 `json:"roc"`
	Scores *leak.Scores `json:"scores,omitempty"`
}

// MIAEvidence computes the figures of a membership-inference test and the record holding them.
// A design that leaves out what a reader needs, or fewer than leak.MinCredibleClass examples per
// class, makes the record not credible, with the reasons.
func MIAEvidence(t MIATest, source assessments.Source) (assessments.EvidenceInput, leak.MIAResult, error) {
	res, err := leak.EvaluateMIA(t.Design, t.Scores)
	if err != nil {
		return assessments.EvidenceInput{}, leak.MIAResult{}, leakInvalid(err, "scores")
	}
	in := MIAInputs{Design: t.Design, BootstrapSamples: res.BootstrapSamples, Seed: res.Seed}
	in.Design.Seed = res.Seed
	for _, p := range res.ROC {
		in.ROC = append(in.ROC, [2]float64{round6(p.FPR), round6(p.TPR)})
	}
	if t.KeepScores {
		if n := len(t.Scores.Members) + len(t.Scores.NonMembers); n > MaxKeptScores {
			return assessments.EvidenceInput{}, res, Invalid("keep_scores", fmt.Sprintf("a record keeps at most %d scores and this test has %d: keep only the figures, and the scores file with its SHA-256 elsewhere", MaxKeptScores, n))
		}
		sc := t.Scores
		in.Scores = &sc
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return assessments.EvidenceInput{}, res, err
	}
	rec := assessments.EvidenceInput{Kind: figures.MIA, Source: source, Tool: Tool(),
		Inputs: raw, Figures: res.Figures(), NotCredible: res.Credibility.Reasons}
	if !t.KeepScores {
		rec.Notes = append(rec.Notes, "The scores were not kept: only the figures and the curve.")
	}
	return rec, res, nil
}

// ROCOf reads the curve back from a membership-inference record's inputs.
func ROCOf(e *assessments.Evidence) []leak.Point {
	var in MIAInputs
	if e == nil || json.Unmarshal(e.Inputs, &in) != nil {
		return nil
	}
	out := make([]leak.Point, len(in.ROC))
	for i, p := range in.ROC {
		out[i] = leak.Point{FPR: p[0], TPR: p[1]}
	}
	return out
}

// CanaryInputs is what a canary-exposure record keeps: the test's design and each canary's
// exposure (the canaries with the highest exposure when there are many), never the losses.
type CanaryInputs struct {
	InsertedCopies      int              `json:"inserted_copies"`
	SpaceSize           float64          `json:"space_size,omitempty"`
	References          int              `json:"references"`
	MaxPossibleExposure float64          `json:"max_possible_exposure"`
	EstimateMethod      string           `json:"estimate_method,omitempty"`
	Canaries            []CanaryKept     `json:"canaries"`
	Omitted             int              `json:"canaries_omitted,omitempty"`
	Fit                 *leak.SkewNormal `json:"fit,omitempty"`
}

// CanaryKept is one canary as the record keeps it.
type CanaryKept struct {
	ID                string   `json:"id"`
	InsertedCopies    int      `json:"inserted_copies"`
	Rank              int      `json:"rank"`
	Exposure          float64  `json:"exposure"`
	EstimatedExposure *float64 `json:"estimated_exposure,omitempty"`
}

// CanaryEvidence computes each canary's exposure and the record holding the figures.
func CanaryEvidence(set leak.CanarySet, source assessments.Source) (assessments.EvidenceInput, leak.ExposureResult, error) {
	res, err := leak.Exposure(set)
	if err != nil {
		return assessments.EvidenceInput{}, leak.ExposureResult{}, leakInvalid(err, "canaries")
	}
	in := CanaryInputs{InsertedCopies: set.InsertedCopies, SpaceSize: set.SpaceSize, References: res.References,
		MaxPossibleExposure: round6(res.MaxPossibleExposure), EstimateMethod: res.EstimateMethod, Fit: res.Fit}
	kept := slices.Clone(res.Canaries)
	slices.SortStableFunc(kept, func(a, b leak.CanaryExposure) int {
		switch {
		case a.Exposure > b.Exposure:
			return -1
		case a.Exposure < b.Exposure:
			return 1
		}
		return 0
	})
	if len(kept) > maxKeptCanaries {
		in.Omitted = len(kept) - maxKeptCanaries
		kept = kept[:maxKeptCanaries]
	}
	for _, c := range kept {
		k := CanaryKept{ID: c.ID, InsertedCopies: c.InsertedCopies, Rank: c.Rank, Exposure: round6(c.Exposure)}
		if c.EstimatedExposure != nil {
			v := round6(*c.EstimatedExposure)
			k.EstimatedExposure = &v
		}
		in.Canaries = append(in.Canaries, k)
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return assessments.EvidenceInput{}, res, err
	}
	rec := assessments.EvidenceInput{Kind: figures.Canary, Source: source, Tool: Tool(),
		Inputs: raw, Figures: res.Figures()}
	if set.InsertedCopies == 0 {
		rec.Warnings = append(rec.Warnings, "How many times each canary was inserted is not stated.")
	}
	if set.SpaceSize == 0 {
		rec.Warnings = append(rec.Warnings, "The size of the space the canaries were drawn from is not stated.")
	}
	if in.Omitted > 0 {
		rec.Notes = append(rec.Notes, fmt.Sprintf("%d canaries with lower exposure are counted in the figures but not listed.", in.Omitted))
	}
	return rec, res, nil
}

// CanariesOf reads the canaries back from a canary-exposure record's inputs.
func CanariesOf(e *assessments.Evidence) (CanaryInputs, bool) {
	var in CanaryInputs
	if e == nil || json.Unmarshal(e.Inputs, &in) != nil {
		return CanaryInputs{}, false
	}
	return in, true
}

// ExtractionEvidence makes the record of an extraction test. When generations is not nil (the
// generations' scan summary), the personal data emitted are the scanner's detections in them,
// and the record says so; only the counts are kept.
func ExtractionEvidence(x leak.Extraction, generations *pii.Summary, generationsSHA string, source assessments.Source) (assessments.EvidenceInput, error) {
	if generations != nil {
		x.PIIEmitted = int(min(generations.Detections(), math.MaxInt32))
	}
	if err := x.Validate(); err != nil {
		return assessments.EvidenceInput{}, leakInvalid(err, "extraction")
	}
	inputs := map[string]any{"test": x}
	rec := assessments.EvidenceInput{Kind: figures.Extraction, Source: source, Figures: x.Figures()}
	if generations != nil {
		inputs["pii_in_generations"] = generations.Counts
		rec.FileSHA256 = generationsSHA
		rec.Tool = orWord(generations.Scanner, "unknown scanner")
		rec.Notes = append(rec.Notes, "Personal data emitted counted by piaf's PII scanner in the uploaded generations; "+KeepOnlyCounts)
	}
	raw, err := json.Marshal(inputs)
	if err != nil {
		return assessments.EvidenceInput{}, err
	}
	rec.Inputs = raw
	return rec, nil
}

// leakInvalid turns a leak package error ("field: message") into a validation error naming the
// field, or the fallback field when the message names none.
func leakInvalid(err error, fallback string) error {
	field, msg, ok := strings.Cut(err.Error(), ": ")
	if !ok || strings.ContainsAny(field, " \t") {
		return Invalid(fallback, err.Error())
	}
	return Invalid(field, msg)
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
