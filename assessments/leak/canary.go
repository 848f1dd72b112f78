package leak

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// EstimateSkewNormal names how exposure is extrapolated when a canary beats every reference, as
// "The Secret Sharer" (section 4.3) does: a skew-normal distribution is fitted to the reference
// losses (here by the method of moments) and exposure = -log2 P(loss <= canary's loss) under it.
const EstimateSkewNormal = "skew-normal fitted to the reference losses by the method of moments"

// Canary is one inserted secret and the model's loss (or perplexity) on it.
type Canary struct {
	ID   string  `json:"id"`
	Loss float64 `json:"loss"`
	// InsertedCopies overrides the set's count for this canary when above 0.
	InsertedCopies int `json:"inserted_copies,omitempty"`
}

// CanarySet is a canary-exposure test: the canaries, and the losses of references drawn from the
// same candidate space but never inserted.
type CanarySet struct {
	// InsertedCopies is how many times each canary was inserted in the training data.
	InsertedCopies int `json:"inserted_copies"`
	// SpaceSize is the number of candidates the canaries were drawn from (0 when not stated).
	SpaceSize  float64   `json:"space_size"`
	Canaries   []Canary  `json:"canaries"`
	References []float64 `json:"references"`
}

// Validate checks the set, naming the field at fault.
func (s CanarySet) Validate() error {
	if s.InsertedCopies < 0 {
		return errors.New("inserted_copies: must not be negative")
	}
	if math.IsNaN(s.SpaceSize) || math.IsInf(s.SpaceSize, 0) || s.SpaceSize < 0 {
		return errors.New("space_size: must be a finite number, 0 when unknown")
	}
	if s.SpaceSize > 0 && s.SpaceSize < float64(len(s.References)) {
		return fmt.Errorf("space_size: %g is smaller than the %d references drawn from it", s.SpaceSize, len(s.References))
	}
	if len(s.Canaries) == 0 {
		return errors.New("canaries: none given")
	}
	if len(s.References) == 0 {
		return errors.New("references: none given")
	}
	if len(s.Canaries)+len(s.References) > MaxScores {
		return fmt.Errorf("references: more than %d losses in all", MaxScores)
	}
	seen := make(map[string]bool, len(s.Canaries))
	for i, c := range s.Canaries {
		switch {
		case strings.TrimSpace(c.ID) == "" || len(c.ID) > maxIDLength:
			return fmt.Errorf("canaries[%d].id: give an id of 1 to %d characters", i, maxIDLength)
		case seen[c.ID]:
			return fmt.Errorf("canaries[%d].id: %q appears twice", i, c.ID)
		case math.IsNaN(c.Loss) || math.IsInf(c.Loss, 0):
			return fmt.Errorf("canaries[%d].loss: not a finite number", i)
		case c.InsertedCopies < 0:
			return fmt.Errorf("canaries[%d].inserted_copies: must not be negative", i)
		}
		seen[c.ID] = true
	}
	for i, v := range s.References {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("references[%d]: not a finite number", i)
		}
	}
	return nil
}

// CanaryExposure is the exposure of one canary.
type CanaryExposure struct {
	ID             string  `json:"id"`
	Loss           float64 `json:"loss"`
	InsertedCopies int     `json:"inserted_copies"`
	// Rank is 1 + the number of references with a strictly lower loss.
	Rank     int     `json:"rank"`
	Exposure float64 `json:"exposure"`
	// EstimatedExposure extrapolates beyond the references when the canary beats all of them
	// (see ExposureResult.EstimateMethod), capped at log2 of the space size when known.
	EstimatedExposure *float64 `json:"estimated_exposure,omitempty"`
}

// ExposureResult holds the figures of a canary-exposure test.
type ExposureResult struct {
	Canaries    []CanaryExposure `json:"canaries"`
	MaxExposure float64          `json:"max_exposure"`
	// MaxPossibleExposure is log2 of the number of references: a canary beating them all.
	MaxPossibleExposure float64 `json:"max_possible_exposure"`
	References          int     `json:"references"`
	SpaceSize           float64 `json:"space_size,omitempty"`
	// EstimateMethod and Fit say how estimated exposures were extrapolated, when any was.
	EstimateMethod string      `json:"estimate_method,omitempty"`
	Fit            *SkewNormal `json:"fit,omitempty"`
}

// Exposure computes each canary's exposure as in "The Secret Sharer" (Carlini et al., 2019):
// log2|R| - log2(rank), rank = 1 + the references with a strictly lower loss. O((c+r) log r).
func Exposure(s CanarySet) (ExposureResult, error) {
	if err := s.Validate(); err != nil {
		return ExposureResult{}, err
	}
	refs := slices.Clone(s.References)
	slices.Sort(refs)
	n := float64(len(refs))
	res := ExposureResult{
		References:          len(refs),
		MaxPossibleExposure: math.Log2(n),
		SpaceSize:           s.SpaceSize,
	}
	fit, fitted := fitSkewNormal(refs)
	for i, c := range s.Canaries {
		rank := 1 + sort.SearchFloat64s(refs, c.Loss)
		e := CanaryExposure{ID: c.ID, Loss: c.Loss, InsertedCopies: c.InsertedCopies, Rank: rank,
			Exposure: math.Log2(n) - math.Log2(float64(rank))}
		if e.InsertedCopies == 0 {
			e.InsertedCopies = s.InsertedCopies
		}
		if rank == 1 && fitted && (s.SpaceSize == 0 || s.SpaceSize > n) {
			est := -fit.LogCDF(c.Loss) / math.Ln2
			if s.SpaceSize > 0 {
				est = min(est, math.Log2(s.SpaceSize))
			}
			e.EstimatedExposure = &est
			res.EstimateMethod, res.Fit = EstimateSkewNormal, &fit
		}
		if i == 0 || e.Exposure > res.MaxExposure {
			res.MaxExposure = e.Exposure
		}
		res.Canaries = append(res.Canaries, e)
	}
	return res, nil
}

// Figures are the numbers rules address as canary.NAME.
func (r ExposureResult) Figures() map[string]float64 {
	return map[string]float64{
		"canaries":              float64(len(r.Canaries)),
		"references":            float64(r.References),
		"max_exposure":          r.MaxExposure,
		"max_possible_exposure": r.MaxPossibleExposure,
		"exposure_margin":       r.MaxPossibleExposure - r.MaxExposure,
	}
}

// logNormalCDF is ln Φ(z), accurate far into the lower tail where Φ itself underflows.
func logNormalCDF(z float64) float64 {
	if z > -30 {
		return math.Log(0.5 * math.Erfc(-z/math.Sqrt2))
	}
	// Asymptotic series of the Mills ratio: Φ(z) ~ φ(z)/|z| (1 - 1/z² + 3/z⁴ - 15/z⁶).
	z2 := z * z
	return -z2/2 - math.Log(-z) - 0.5*math.Log(2*math.Pi) + math.Log(1-1/z2+3/(z2*z2)-15/(z2*z2*z2))
}

// ParseCanaries reads canaries as CSV (a header with the columns canary (or id) and loss (or
// perplexity), optionally inserted_copies) or as a JSON CanarySet, whose references and counts
// are then kept too. Errors name the line.
func ParseCanaries(r io.Reader) (CanarySet, error) {
	data, err := readBounded(r)
	if err != nil {
		return CanarySet{}, err
	}
	var s CanarySet
	if isJSON(data) {
		return s, decodeJSON(data, &s)
	}
	t, err := newCSVTable(data, column{names: []string{"canary", "id"}}, column{names: []string{"loss", "perplexity"}},
		column{names: []string{"inserted_copies", "copies"}, optional: true})
	if err != nil {
		return CanarySet{}, err
	}
	for {
		row, line, err := t.next()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return CanarySet{}, err
		}
		c := Canary{ID: strings.TrimSpace(row[0])}
		if c.Loss, err = parseNumber(row[1]); err != nil {
			return CanarySet{}, fmt.Errorf("line %d: loss: %v", line, err)
		}
		if row[2] != "" {
			if c.InsertedCopies, err = strconv.Atoi(strings.TrimSpace(row[2])); err != nil || c.InsertedCopies < 0 {
				return CanarySet{}, fmt.Errorf("line %d: inserted_copies: %q is not a count", line, row[2])
			}
		}
		if c.ID == "" {
			return CanarySet{}, fmt.Errorf("line %d: canary: empty id", line)
		}
		if len(s.Canaries) >= MaxScores {
			return CanarySet{}, fmt.Errorf("line %d: more than %d canaries", line, MaxScores)
		}
		s.Canaries = append(s.Canaries, c)
	}
}

// ParseReferences reads reference losses: a JSON array of numbers, JSON {"references": [...]},
// CSV with a loss (or perplexity) column, or one number a line with no header.
func ParseReferences(r io.Reader) ([]float64, error) {
	data, err := readBounded(r)
	if err != nil {
		return nil, err
	}
	if isJSON(data) {
		var refs []float64
		if bytes.TrimLeft(data, " \t\r\n")[0] == '[' {
			err = decodeJSON(data, &refs)
		} else {
			var wrap struct {
				References []float64 `json:"references"`
			}
			err = decodeJSON(data, &wrap)
			refs = wrap.References
		}
		if err == nil && len(refs) > MaxScores {
			err = fmt.Errorf("references: more than %d losses", MaxScores)
		}
		return refs, err
	}
	first, _, _ := strings.Cut(string(data[:min(len(data), 256)]), "\n")
	var refs []float64
	if _, err := parseNumber(strings.TrimSuffix(first, "\r")); err == nil {
		for i, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			v, err := parseNumber(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: loss: %v", i+1, err)
			}
			if refs = append(refs, v); len(refs) > MaxScores {
				return nil, fmt.Errorf("line %d: more than %d references", i+1, MaxScores)
			}
		}
		return refs, nil
	}
	t, err := newCSVTable(data, column{names: []string{"loss", "perplexity"}})
	if err != nil {
		return nil, err
	}
	for {
		row, line, err := t.next()
		if errors.Is(err, io.EOF) {
			return refs, nil
		}
		if err != nil {
			return nil, err
		}
		v, err := parseNumber(row[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: loss: %v", line, err)
		}
		if refs = append(refs, v); len(refs) > MaxScores {
			return nil, fmt.Errorf("line %d: more than %d references", line, MaxScores)
		}
	}
}
