package assessments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
)

// Encoder writes the canonical JSON of successive states of one assessment, byte for byte what
// State.Canonical writes, but reusing the encoding of every entry (finding, mitigation, evidence
// record, project snapshot, answer) it has already encoded. A chain of revisions changes a few
// entries at a time, so hashing each state of a long history costs the changed entries, the
// sorting of the keys and the SHA-256, not a reflective encoding of the whole state.
//
// Entries are recognised by pointer: it relies on what Apply and the operations of this package
// already do, replacing an entry rather than modifying it once it is in a state. An Encoder is
// for one goroutine.
type Encoder struct {
	findings    map[*Finding][]byte
	mitigations map[*Mitigation][]byte
	evidence    map[*Evidence][]byte
	projects    map[*ProjectSnapshot][]byte
	keys        map[string][]byte
	answers     map[string]encodedAnswer
	consult     Consultation
	consultJSON []byte
	sorted      []string
	buf         []byte
}

type encodedAnswer struct {
	value any
	json  []byte
}

// NewEncoder returns an Encoder with empty caches.
func NewEncoder() *Encoder {
	return &Encoder{findings: map[*Finding][]byte{}, mitigations: map[*Mitigation][]byte{},
		evidence: map[*Evidence][]byte{}, projects: map[*ProjectSnapshot][]byte{}, keys: map[string][]byte{},
		answers: map[string]encodedAnswer{}}
}

// CanonicalHash is s.CanonicalHash() computed with the Encoder's caches. The bytes returned are
// the Encoder's buffer: valid until its next call.
func (e *Encoder) CanonicalHash(s State) ([]byte, string) {
	b := e.Canonical(s)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// Canonical is s.Canonical() computed with the Encoder's caches, in the Encoder's buffer.
func (e *Encoder) Canonical(s State) []byte {
	b := e.buf[:0]
	b = append(b, `{"questionnaire":`...)
	b = appendJSON(b, s.Questionnaire)
	b = append(b, `,"questionnaire_version":`...)
	b = strconv.AppendInt(b, int64(s.QuestionnaireVersion), 10)
	b = append(b, `,"status":`...)
	b = appendJSON(b, string(s.Status))
	b = append(b, `,"answers":`...)
	b = appendMap(e, b, s.Answers, e.answer)
	b = append(b, `,"findings":`...)
	b = appendMap(e, b, s.Findings, func(k string, f *Finding) []byte { return cached(e.findings, f) })
	b = append(b, `,"mitigations":`...)
	b = appendMap(e, b, s.Mitigations, func(k string, m *Mitigation) []byte { return cached(e.mitigations, m) })
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, int64(s.Seq), 10)
	b = append(b, `,"consultation":`...)
	if e.consultJSON == nil || e.consult != s.Consultation {
		e.consult, e.consultJSON = s.Consultation, mustJSON(s.Consultation)
	}
	b = append(b, e.consultJSON...)
	if s.Project != nil {
		b = append(b, `,"project":`...)
		b = append(b, cached(e.projects, s.Project)...)
	}
	if len(s.Evidence) > 0 {
		b = append(b, `,"evidence":`...)
		b = appendMap(e, b, s.Evidence, func(k string, v *Evidence) []byte { return cached(e.evidence, v) })
	}
	b = append(b, '}')
	e.buf = b
	return b
}

// appendMap writes m as encoding/json does: keys sorted, {} when empty (Canonical encodes a
// clone, whose maps are never nil).
func appendMap[V any](e *Encoder, b []byte, m map[string]V, value func(string, V) []byte) []byte {
	keys := e.sorted[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		kj, ok := e.keys[k]
		if !ok {
			kj = mustJSON(k)
			e.keys[k] = kj
		}
		b = append(b, kj...)
		b = append(b, ':')
		b = append(b, value(k, m[k])...)
	}
	e.sorted = keys[:0]
	return append(b, '}')
}

// answer is the encoding of one answer, reused while the answer under key holds the same value.
func (e *Encoder) answer(key string, v any) []byte {
	if c, ok := e.answers[key]; ok && sameValue(c.value, v) {
		return c.json
	}
	j := mustJSON(v)
	e.answers[key] = encodedAnswer{v, j}
	return j
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return reflect.DeepEqual(a, b)
}

func cached[T any](cache map[*T][]byte, p *T) []byte {
	if p == nil {
		return []byte("null")
	}
	if j, ok := cache[p]; ok {
		return j
	}
	j := mustJSON(p)
	cache[p] = j
	return j
}

func appendJSON(b []byte, s string) []byte { return append(b, mustJSON(s)...) }

func mustJSON(v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("assessments: state does not marshal: %v", err))
	}
	return j
}
