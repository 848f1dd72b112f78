// Package manifest records what a training run used (base model, adapter, data files, training
// config, code commit) as SHA-256 digests, in a canonical JSON form whose own digest an approval
// can name. A run is covered by an approval when every file it uses appears, by role and digest,
// in a manifest that was approved.
package manifest

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Roles of a manifest entry.
const (
	RoleModel   = "model"
	RoleAdapter = "adapter"
	RoleData    = "data"
	RoleConfig  = "config"
)

var roles = []string{RoleModel, RoleAdapter, RoleData, RoleConfig}

// Version is the manifest format this package writes and reads.
const Version = 1

// Bounds of what Parse accepts.
const (
	MaxBytes   = 32 << 20
	MaxEntries = 200_000
	maxPath    = 4096
)

// Entry is one file a run used, or a model named by its hub ID and revision (Ref) instead of hashed.
type Entry struct {
	Role string `json:"role"`
	// Path is slash-separated and relative: the base name of the file or folder given, then the
	// path inside that folder.
	Path   string `json:"path,omitempty"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	// Ref is "ID@REVISION" for a model recorded by name, without Path, Size or SHA256.
	Ref string `json:"ref,omitempty"`
}

// Manifest is the record of a run's inputs.
type Manifest struct {
	Version int     `json:"version"`
	Commit  string  `json:"commit,omitempty"`
	Entries []Entry `json:"entries"`
}

var (
	refPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}@[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$`)
	commitPattern = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
	sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// key identifies an entry for coverage: what was used, wherever it lay.
func (e Entry) key() string {
	if e.Ref != "" {
		return e.Role + " ref " + e.Ref
	}
	return e.Role + " sha256 " + e.SHA256
}

// Validate checks a manifest, naming the field at fault.
func (m Manifest) Validate() error {
	if m.Version != Version {
		return fmt.Errorf("version: %d is not %d", m.Version, Version)
	}
	if m.Commit != "" && !commitPattern.MatchString(m.Commit) {
		return errors.New("commit: want a full hexadecimal commit hash (40 or 64 lowercase digits)")
	}
	if len(m.Entries) > MaxEntries {
		return fmt.Errorf("entries: %d, more than %d", len(m.Entries), MaxEntries)
	}
	seen := make(map[string]bool, len(m.Entries))
	for i, e := range m.Entries {
		if err := e.validate(); err != nil {
			return fmt.Errorf("entries[%d].%w", i, err)
		}
		id := e.Role + "\x00" + e.Path + "\x00" + e.Ref
		if seen[id] {
			return fmt.Errorf("entries[%d].path: %s %q appears twice", i, e.Role, e.Path+e.Ref)
		}
		seen[id] = true
	}
	return nil
}

func (e Entry) validate() error {
	if !slices.Contains(roles, e.Role) {
		return fmt.Errorf("role: %q is not one of %s", e.Role, strings.Join(roles, ", "))
	}
	if e.Ref != "" {
		switch {
		case e.Role != RoleModel:
			return errors.New("ref: only a model may be recorded by ID@REVISION")
		case !refPattern.MatchString(e.Ref):
			return fmt.Errorf("ref: %q is not ID@REVISION", e.Ref)
		case e.Path != "" || e.SHA256 != "" || e.Size != 0:
			return errors.New("ref: an entry recorded by reference has no path, size or sha256")
		}
		return nil
	}
	if err := checkPath(e.Path); err != nil {
		return fmt.Errorf("path: %w", err)
	}
	if !sha256Pattern.MatchString(e.SHA256) {
		return errors.New("sha256: want 64 lowercase hexadecimal digits")
	}
	if e.Size < 0 || e.Size > 1<<53 {
		return errors.New("size: out of range")
	}
	return nil
}

// checkPath accepts relative, slash-separated, clean paths that cannot climb out of their root.
func checkPath(p string) error {
	switch {
	case p == "" || len(p) > maxPath:
		return fmt.Errorf("give 1 to %d bytes", maxPath)
	case !utf8.ValidString(p):
		return errors.New("not valid UTF-8")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%q is absolute", p)
	case strings.ContainsAny(p, "\\\x00"):
		return fmt.Errorf("%q holds a backslash or NUL", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("%q has an empty, . or .. element", p)
		}
	}
	return nil
}

// sorted returns the entries in canonical order: by role, path, then ref.
func (m Manifest) sorted() []Entry {
	out := slices.Clone(m.Entries)
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.Role, b.Role), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Ref, b.Ref))
	})
	return out
}

func (m Manifest) value() map[string]any {
	entries := make([]any, 0, len(m.Entries))
	for _, e := range m.sorted() {
		v := map[string]any{"role": e.Role}
		if e.Ref != "" {
			v["ref"] = e.Ref
		} else {
			v["path"], v["size"], v["sha256"] = e.Path, e.Size, e.SHA256
		}
		entries = append(entries, v)
	}
	v := map[string]any{"version": int64(m.Version), "entries": entries}
	if m.Commit != "" {
		v["commit"] = m.Commit
	}
	return v
}

// Canonical is the manifest's RFC 8785 form, entries in canonical order: the bytes Digest hashes.
// It panics on a manifest that does not Validate, which Build and Parse never return.
func (m Manifest) Canonical() []byte {
	b, err := CanonicalJSON(m.value())
	if err != nil {
		panic("manifest: " + err.Error())
	}
	return b
}

// Digest is "sha256:" and the hex SHA-256 of Canonical.
func (m Manifest) Digest() string {
	sum := sha256.Sum256(m.Canonical())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Document is the canonical JSON with a "digest" member added, as 'piaf manifest --json' prints
// it; Parse checks that digest.
func (m Manifest) Document() []byte {
	v := m.value()
	v["digest"] = m.Digest()
	b, err := CanonicalJSON(v)
	if err != nil {
		panic("manifest: " + err.Error())
	}
	return b
}

// Parse reads a manifest (as Canonical or Document write it, or any JSON of the same shape),
// validates it, and checks its digest when it carries one.
func Parse(data []byte) (Manifest, error) {
	if len(data) > MaxBytes {
		return Manifest{}, fmt.Errorf("manifest: larger than %d bytes", MaxBytes)
	}
	var doc struct {
		Manifest
		Digest string `json:"digest"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Manifest{}, fmt.Errorf("manifest: %w", err)
	}
	if dec.More() {
		return Manifest{}, errors.New("manifest: more than one JSON value")
	}
	m := doc.Manifest
	if err := m.Validate(); err != nil {
		return Manifest{}, fmt.Errorf("manifest: %w", err)
	}
	if doc.Digest != "" && doc.Digest != m.Digest() {
		return Manifest{}, fmt.Errorf("manifest: digest: the content hashes to %s, not %s", m.Digest(), doc.Digest)
	}
	m.Entries = m.sorted()
	return m, nil
}

// Covers returns the entries of run that no approved manifest holds with the same role and
// digest (or, for a model recorded by name, the same ID@REVISION). Paths do not matter: the same
// bytes moved elsewhere are the same input. An empty result means the run is covered.
func Covers(approved []Manifest, run Manifest) (missing []Entry) {
	known := make(map[string]bool)
	for _, a := range approved {
		for _, e := range a.Entries {
			known[e.key()] = true
		}
	}
	for _, e := range run.sorted() {
		if !known[e.key()] {
			missing = append(missing, e)
		}
	}
	return missing
}

// Figures are the numbers rules address as manifest.NAME: files hashed and their total bytes.
func (m Manifest) Figures() map[string]float64 {
	var files, size float64
	for _, e := range m.Entries {
		if e.Ref == "" {
			files++
			size += float64(e.Size)
		}
	}
	return map[string]float64{"files": files, "bytes": size}
}
