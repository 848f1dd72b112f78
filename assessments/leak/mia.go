package leak

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Attacks a membership-inference record may name.
const (
	AttackLossThreshold   = "loss_threshold"   // the model's loss (or perplexity) on the example
	AttackMinKProb        = "min_k_prob"       // Min-K% Prob: the mean of the k% lowest token log-probabilities
	AttackReferenceModels = "reference_models" // calibrated against reference models' losses
	AttackLiRA            = "lira"             // the likelihood-ratio attack of Carlini et al. (2022)
	AttackOther           = "other"
)

var attacks = []string{AttackLossThreshold, AttackMinKProb, AttackReferenceModels, AttackLiRA, AttackOther}

// MinCredibleClass is the number of members and of non-members below which a record is not
// credible: with fewer, TPR at 0.1% FPR rests on no false positive at all.
const MinCredibleClass = 1000

// MIADesign says how a membership-inference test was run: what a reader needs to judge its figures.
// Empty fields are allowed (the record is then not credible, see Credibility); wrong ones are not.
type MIADesign struct {
	Attack string `json:"attack"`
	// AttackDetail names the attack when Attack is "other" (and may refine any other).
	AttackDetail string `json:"attack_detail,omitempty"`
	// ReferenceModels is the number of reference (shadow) models, for reference_models and lira.
	ReferenceModels int `json:"reference_models,omitempty"`
	// Selection says how members and non-members were chosen.
	Selection string `json:"selection"`
	// HeldOut states that the non-members were held out from the same distribution as the members;
	// non-members from another distribution inflate every figure.
	HeldOut bool `json:"held_out"`
	// LowerIsMember is set when a lower score means "more likely a member" (losses, perplexities).
	LowerIsMember bool `json:"lower_is_member"`
	// Seed seeds the bootstrap; 0 means the default seed 1. The same seed gives the same interval.
	Seed uint64 `json:"seed,omitempty"`
}

// Validate checks the values given, naming the field at fault.
func (d MIADesign) Validate() error {
	if d.Attack != "" && !contains(attacks, d.Attack) {
		return fmt.Errorf("attack: %q is not one of %s", d.Attack, strings.Join(attacks, ", "))
	}
	if d.ReferenceModels < 0 || d.ReferenceModels > 100_000 {
		return errors.New("reference_models: must be between 0 and 100000")
	}
	if d.ReferenceModels > 0 && d.Attack != AttackReferenceModels && d.Attack != AttackLiRA && d.Attack != AttackOther {
		if d.Attack == "" {
			return errors.New("reference_models: name the attack that uses them (reference_models, lira or other)")
		}
		return fmt.Errorf("reference_models: the %q attack uses no reference models", d.Attack)
	}
	if len(d.AttackDetail) > 200 {
		return errors.New("attack_detail: use at most 200 characters")
	}
	if len(d.Selection) > 4000 {
		return errors.New("selection: use at most 4000 characters")
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Credibility says whether a record states what its figures need, and if not, why not.
type Credibility struct {
	Credible bool     `json:"credible"`
	Reasons  []string `json:"reasons,omitempty"`
}

// Credibility judges a design and its counts.
func (d MIADesign) Credibility(members, nonMembers int) Credibility {
	var reasons []string
	switch {
	case d.Attack == "":
		reasons = append(reasons, "attack: not stated")
	case (d.Attack == AttackReferenceModels || d.Attack == AttackLiRA) && d.ReferenceModels == 0:
		reasons = append(reasons, "reference_models: the number of reference models is not stated")
	case d.Attack == AttackOther && strings.TrimSpace(d.AttackDetail) == "":
		reasons = append(reasons, "attack_detail: the attack is not named")
	}
	if strings.TrimSpace(d.Selection) == "" {
		reasons = append(reasons, "selection: how members and non-members were chosen is not stated")
	}
	if !d.HeldOut {
		reasons = append(reasons, "held_out: non-members are not stated to be held out from the members' distribution")
	}
	if members < MinCredibleClass {
		reasons = append(reasons, fmt.Sprintf("members: %d examples, fewer than %d", members, MinCredibleClass))
	}
	if nonMembers < MinCredibleClass {
		reasons = append(reasons, fmt.Sprintf("non_members: %d examples, fewer than %d", nonMembers, MinCredibleClass))
	}
	return Credibility{Credible: len(reasons) == 0, Reasons: reasons}
}

// Scores are the attack's score for each member (training example) and non-member.
type Scores struct {
	Members    []float64 `json:"members"`
	NonMembers []float64 `json:"non_members"`
}

// Validate checks that both classes have scores, all finite, and not too many.
func (s Scores) Validate() error {
	for _, c := range []struct {
		name   string
		scores []float64
	}{{"members", s.Members}, {"non_members", s.NonMembers}} {
		if len(c.scores) == 0 {
			return fmt.Errorf("%s: no scores (each class needs at least one)", c.name)
		}
		for i, v := range c.scores {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%s[%d]: not a finite number", c.name, i)
			}
		}
	}
	if len(s.Members)+len(s.NonMembers) > MaxScores {
		return fmt.Errorf("members: %d scores in all, more than %d", len(s.Members)+len(s.NonMembers), MaxScores)
	}
	return nil
}

// ParseScores reads scores as CSV (a header with the columns score and member, member being 1/0
// or true/false) or as JSON {"members": [...], "non_members": [...]}. Errors name the line.
func ParseScores(r io.Reader) (Scores, error) {
	data, err := readBounded(r)
	if err != nil {
		return Scores{}, err
	}
	var s Scores
	if isJSON(data) {
		if err := decodeJSON(data, &s); err != nil {
			return Scores{}, err
		}
	} else if s, err = parseScoresCSV(data); err != nil {
		return Scores{}, err
	}
	return s, s.Validate()
}

func parseScoresCSV(data []byte) (Scores, error) {
	t, err := newCSVTable(data, column{names: []string{"score"}}, column{names: []string{"member"}})
	if err != nil {
		return Scores{}, err
	}
	var s Scores
	for {
		row, line, err := t.next()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return Scores{}, err
		}
		v, err := parseNumber(row[0])
		if err != nil {
			return Scores{}, fmt.Errorf("line %d: score: %v", line, err)
		}
		switch strings.ToLower(strings.TrimSpace(row[1])) {
		case "1", "true":
			s.Members = append(s.Members, v)
		case "0", "false":
			s.NonMembers = append(s.NonMembers, v)
		default:
			return Scores{}, fmt.Errorf("line %d: member: %q is not 1, 0, true or false", line, row[1])
		}
		if len(s.Members)+len(s.NonMembers) > MaxScores {
			return Scores{}, fmt.Errorf("line %d: more than %d scores", line, MaxScores)
		}
	}
}

// Point is one operating point of a ROC curve.
type Point struct {
	FPR float64 `json:"fpr"`
	TPR float64 `json:"tpr"`
}

// MIAResult holds the figures of a membership-inference test.
type MIAResult struct {
	AUC float64 `json:"auc"`
	// AUCCI is the 95% percentile interval of a stratified bootstrap of the AUC.
	AUCCI [2]float64 `json:"auc_ci"`
	// TPRAtFPR maps an FPR bound ("0.001", "0.01") to the best TPR among operating points whose
	// FPR does not exceed it.
	TPRAtFPR         map[string]float64 `json:"tpr_at_fpr"`
	Advantage        float64            `json:"advantage"`
	BalancedAccuracy float64            `json:"balanced_accuracy"`
	Members          int                `json:"members"`
	NonMembers       int                `json:"non_members"`
	BootstrapSamples int                `json:"bootstrap_samples"`
	Seed             uint64             `json:"seed"`
	Credibility      Credibility        `json:"credibility"`
	// ROC is the curve reduced for drawing (at most a few hundred points), from (0,0) to (1,1).
	ROC []Point `json:"roc,omitempty"`
}

// EvaluateMIA computes the figures of a membership-inference test in O(n log n) for n scores
// (plus O(n) per bootstrap sample).
func EvaluateMIA(d MIADesign, s Scores) (MIAResult, error) {
	if err := d.Validate(); err != nil {
		return MIAResult{}, err
	}
	if err := s.Validate(); err != nil {
		return MIAResult{}, err
	}
	c := newCurve(s, d.LowerIsMember)
	seed := d.Seed
	if seed == 0 {
		seed = 1
	}
	b := bootstrapSamples(len(s.Members) + len(s.NonMembers))
	res := MIAResult{
		AUC: c.auc(),
		TPRAtFPR: map[string]float64{
			"0.001": c.tprAtFPR(1000),
			"0.01":  c.tprAtFPR(100),
		},
		Members:          len(s.Members),
		NonMembers:       len(s.NonMembers),
		BootstrapSamples: b,
		Seed:             seed,
		Credibility:      d.Credibility(len(s.Members), len(s.NonMembers)),
		ROC:              c.reduced(maxDrawnPoints),
	}
	res.Advantage = c.advantage()
	res.BalancedAccuracy = (1 + res.Advantage) / 2
	res.AUCCI = c.bootstrapCI(b, seed)
	return res, nil
}

// Figures are the numbers rules address as mia.NAME.
func (r MIAResult) Figures() map[string]float64 {
	credible := 0.0
	if r.Credibility.Credible {
		credible = 1
	}
	return map[string]float64{
		"auc":               r.AUC,
		"auc_ci_low":        r.AUCCI[0],
		"auc_ci_high":       r.AUCCI[1],
		"tpr_at_fpr_0_1pct": r.TPRAtFPR["0.001"],
		"tpr_at_fpr_1pct":   r.TPRAtFPR["0.01"],
		"advantage":         r.Advantage,
		"balanced_accuracy": r.BalancedAccuracy,
		"members":           float64(r.Members),
		"non_members":       float64(r.NonMembers),
		"credible":          credible,
	}
}
