// Package catalogue holds the mitigations that questionnaire rules recommend: what to do, how,
// and how to verify it is in place. The YAML format is specified in ../FORMAT.md.
package catalogue

import (
	_ "embed"
	"sync"
)

// Mitigation is one catalogue entry. Guidance and Verify are Markdown.
type Mitigation struct {
	Key       string   `json:"key"`
	Title     string   `json:"title"`
	Category  string   `json:"category"`
	Addresses []string `json:"addresses,omitempty"`
	Guidance  string   `json:"guidance"`
	Verify    string   `json:"verify"`
}

// Catalogue is a parsed, validated list of mitigations, in file order.
type Catalogue struct {
	mitigations []*Mitigation
	byKey       map[string]*Mitigation
}

// Get returns the mitigation with the given key.
func (c *Catalogue) Get(key string) (*Mitigation, bool) {
	m, ok := c.byKey[key]
	return m, ok
}

// Has reports whether the catalogue holds key; it suits questionnaire's CheckMitigations.
func (c *Catalogue) Has(key string) bool {
	_, ok := c.byKey[key]
	return ok
}

// All returns every mitigation in file order. The slice is a copy; the mitigations are shared.
func (c *Catalogue) All() []*Mitigation {
	return append([]*Mitigation(nil), c.mitigations...)
}

//go:embed mitigations.yaml
var builtinYAML []byte

// Builtin returns the catalogue embedded in the binary, parsed once and shared: callers must not
// modify its mitigations.
func Builtin() (*Catalogue, error) { return loadBuiltin() }

var loadBuiltin = sync.OnceValues(func() (*Catalogue, error) {
	return Parse("assessments/catalogue/mitigations.yaml", builtinYAML)
})
