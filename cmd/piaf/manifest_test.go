package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/manifest"
)

func TestManifestCommand(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "sub", "a.jsonl"), []byte("abc"), 0o600)
	os.WriteFile(filepath.Join(dir, "train.yaml"), []byte("epochs: 1\n"), 0o600)
	args := []string{"manifest", "--json", "--model", "org/base@v1", "--data", filepath.Join(dir, "data"),
		"--data", filepath.Join(dir, "train.yaml"), "--config", filepath.Join(dir, "train.yaml"), "--commit", strings.Repeat("0f", 20)}
	r := runCmd(t, "", nil, args...)
	if r.err != nil {
		t.Fatal(r.err)
	}
	again := runCmd(t, "", nil, args...)
	if again.stdout != r.stdout || !strings.HasSuffix(r.stdout, "}\n") || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("not one stable line:\n%s%s", r.stdout, again.stdout)
	}
	if !json.Valid([]byte(r.stdout)) {
		t.Fatalf("invalid JSON %s", r.stdout)
	}
	m, err := manifest.Parse([]byte(r.stdout))
	if err != nil || len(m.Entries) != 4 || !bytes.Contains([]byte(r.stdout), []byte(`"path":"data/sub/a.jsonl"`)) {
		t.Fatalf("parse back: %v %s", err, r.stdout)
	}
	text := runCmd(t, "", nil, "manifest")
	if text.err == nil || !strings.Contains(text.err.Error(), "give at least one of") {
		t.Errorf("empty manifest: %v", text.err)
	}
	text = runCmd(t, "", nil, append([]string{"manifest"}, args[2:]...)...)
	if text.err != nil || !strings.Contains(text.stdout, "3 files, 23 bytes; manifest digest "+m.Digest()) {
		t.Errorf("text: %v\n%s", text.err, text.stdout)
	}
	if r := runCmd(t, "", nil, "manifest", "--data", filepath.Join(dir, "missing")); r.err == nil || !strings.Contains(r.err.Error(), "manifest: data:") {
		t.Errorf("missing file: %v", r.err)
	}
}
