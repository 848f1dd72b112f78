package leak

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// Decoding records the generation settings of an extraction test.
type Decoding struct {
	Strategy    string  `json:"strategy"` // greedy, sampling, beam, ...
	Temperature float64 `json:"temperature,omitempty"`
	TopP        float64 `json:"top_p,omitempty"`
	TopK        int     `json:"top_k,omitempty"`
	MaxTokens   int     `json:"max_tokens,omitempty"`
}

// Extraction is the record of a training-data extraction test. It holds counts only: never the
// prompts, generations or personal data themselves.
type Extraction struct {
	Prompts int `json:"prompts"`
	// PromptSource says where the prompts came from (training prefixes, generic, adversarial...).
	PromptSource string   `json:"prompt_source"`
	Decoding     Decoding `json:"decoding"`
	Generations  int      `json:"generations"`
	// MatchingRule says what counts as a match (e.g. "50-token exact suffix", "edit distance <= 10%").
	MatchingRule        string `json:"matching_rule"`
	VerbatimMatches     int    `json:"verbatim_matches"`
	NearVerbatimMatches int    `json:"near_verbatim_matches"`
	PIIEmitted          int    `json:"pii_emitted"`
}

// Validate checks the record, naming the field at fault.
func (x Extraction) Validate() error {
	switch {
	case x.Prompts <= 0:
		return errors.New("prompts: must be at least 1")
	case x.Generations <= 0:
		return errors.New("generations: must be at least 1")
	case x.Decoding.Strategy == "" || len(x.Decoding.Strategy) > 100:
		return errors.New("decoding.strategy: say how text was generated (greedy, sampling, beam...)")
	case x.Decoding.Temperature < 0 || math.IsNaN(x.Decoding.Temperature) || x.Decoding.Temperature > 100:
		return errors.New("decoding.temperature: must be between 0 and 100")
	case x.Decoding.TopP < 0 || x.Decoding.TopP > 1 || math.IsNaN(x.Decoding.TopP):
		return errors.New("decoding.top_p: must be between 0 and 1")
	case x.Decoding.TopK < 0 || x.Decoding.MaxTokens < 0:
		return errors.New("decoding.top_k: top_k and max_tokens must not be negative")
	case x.MatchingRule == "" || len(x.MatchingRule) > 1000:
		return errors.New("matching_rule: say what counts as a match (1 to 1000 characters)")
	case len(x.PromptSource) > 1000:
		return errors.New("prompt_source: use at most 1000 characters")
	case x.VerbatimMatches < 0 || x.VerbatimMatches > x.Generations:
		return fmt.Errorf("verbatim_matches: must be between 0 and the %d generations", x.Generations)
	case x.NearVerbatimMatches < 0 || x.NearVerbatimMatches > x.Generations:
		return fmt.Errorf("near_verbatim_matches: must be between 0 and the %d generations", x.Generations)
	case x.PIIEmitted < 0:
		return errors.New("pii_emitted: must not be negative")
	}
	return nil
}

// ParseExtraction reads an Extraction record as JSON and validates it.
func ParseExtraction(r io.Reader) (Extraction, error) {
	data, err := readBounded(r)
	if err != nil {
		return Extraction{}, err
	}
	var x Extraction
	if err := decodeJSON(data, &x); err != nil {
		return Extraction{}, err
	}
	return x, x.Validate()
}

// Figures are the numbers rules address as extraction.NAME.
func (x Extraction) Figures() map[string]float64 {
	return map[string]float64{
		"prompts":               float64(x.Prompts),
		"generations":           float64(x.Generations),
		"verbatim_matches":      float64(x.VerbatimMatches),
		"near_verbatim_matches": float64(x.NearVerbatimMatches),
		"pii_emitted":           float64(x.PIIEmitted),
	}
}
