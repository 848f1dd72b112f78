package questionnaire

import (
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sync"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Builtin returns the questionnaires embedded in the binary, sorted by key and version. They are
// parsed once and shared: callers must not modify them.
func Builtin() ([]*Definition, error) { return loadBuiltin() }

var loadBuiltin = sync.OnceValues(func() ([]*Definition, error) {
	return parseAll(builtinFS, "builtin", "assessments/questionnaire/")
})

// parseAll parses every .yaml file in dir, reporting the problems of all of them together.
// Problems name files with prefix, so that they point at the source from the repository root.
func parseAll(fsys fs.FS, dir, prefix string) ([]*Definition, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var defs []*Definition
	var probs Problems
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		d, err := Parse(prefix+name, data)
		var ps Problems
		switch {
		case errors.As(err, &ps):
			probs = append(probs, ps...)
			continue
		case err != nil:
			return nil, err
		}
		defs = append(defs, d)
	}
	slices.SortFunc(defs, func(a, b *Definition) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Version, b.Version))
	})
	for i := 1; i < len(defs); i++ {
		if a, b := defs[i-1], defs[i]; a.Key == b.Key && a.Version == b.Version {
			probs = append(probs, Problem{File: b.file,
				Msg: fmt.Sprintf("%s version %d is also defined in %s", b.Key, b.Version, a.file)})
		}
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return defs, nil
}
