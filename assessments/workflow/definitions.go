package workflow

import (
	"context"
	"fmt"
	"strconv"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

// Definition is the questionnaire version an assessment was started on, parsed from the YAML
// stored with it. Parsed versions are kept: a stored version never changes.
func (s *Service) Definition(ctx context.Context, key string, version int) (*questionnaire.Definition, error) {
	k := key + "@" + strconv.Itoa(version)
	s.defsMu.Lock()
	d := s.defs[k]
	s.defsMu.Unlock()
	if d != nil {
		return d, nil
	}
	stored, err := s.store.Questionnaires(ctx)
	if err != nil {
		return nil, err
	}
	for _, src := range stored {
		if src.Key != key || src.Version != version {
			continue
		}
		d, err := questionnaire.Parse(src.Key+" version "+strconv.Itoa(src.Version), src.Source)
		if err != nil {
			return nil, fmt.Errorf("stored questionnaire %s no longer parses: %w", k, err)
		}
		s.defsMu.Lock()
		if s.defs == nil {
			s.defs = map[string]*questionnaire.Definition{}
		}
		s.defs[k] = d
		s.defsMu.Unlock()
		return d, nil
	}
	return nil, store.ErrNotFound
}
