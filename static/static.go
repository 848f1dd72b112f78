// Package static holds piaf's CSS, JavaScript and icons, embedded in the binary and served under
// content-hashed URLs so browsers may cache them for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
)

//go:embed *.css *.js *.svg
var files embed.FS

// FS is the embedded files.
var FS fs.FS = files

var hashes = func() map[string]string {
	m := map[string]string{}
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		b, _ := fs.ReadFile(files, e.Name())
		sum := sha256.Sum256(b)
		m[e.Name()] = hex.EncodeToString(sum[:6])
	}
	return m
}()

// URL is the path to serve name at: /static/<hash>/<name>. A changed file gets a new URL, so the
// long cache never serves a stale copy.
func URL(name string) string {
	return "/static/" + hashes[name] + "/" + name
}

// Lookup maps a request path below /static/ back to the file name, and reports whether the hash
// is current (an old hash is still served, just not cached for long).
func Lookup(p string) (name string, current bool) {
	hash, name, ok := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	name = path.Clean(name)
	if _, known := hashes[name]; !known {
		return "", false
	}
	return name, hashes[name] == hash
}
