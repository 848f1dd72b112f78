package manifest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// SHA-256 of "abc" and of "" are the FIPS 180-2 example (appendix B.1) and the well-known empty digest.
const (
	sumABC   = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	sumEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "ds", "train", "b.jsonl"), "abc")
	write(t, filepath.Join(dir, "ds", "a.jsonl"), "")
	write(t, filepath.Join(dir, "lora.safetensors"), "abc")
	write(t, filepath.Join(dir, "train.yaml"), "lr: 1e-4\n")
	commit := strings.Repeat("ab", 20)
	m, err := Build(context.Background(), Spec{Model: "meta-llama/Llama-3.1-8B@5206a32", Adapter: filepath.Join(dir, "lora.safetensors"),
		Data: []string{filepath.Join(dir, "ds")}, Config: filepath.Join(dir, "train.yaml"), Commit: strings.ToUpper(commit)})
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Role: RoleAdapter, Path: "lora.safetensors", Size: 3, SHA256: sumABC},
		{Role: RoleConfig, Path: "train.yaml", Size: 9, SHA256: m.Entries[1].SHA256},
		{Role: RoleData, Path: "ds/a.jsonl", Size: 0, SHA256: sumEmpty},
		{Role: RoleData, Path: "ds/train/b.jsonl", Size: 3, SHA256: sumABC},
		{Role: RoleModel, Ref: "meta-llama/Llama-3.1-8B@5206a32"},
	}
	if fmt.Sprint(m.Entries) != fmt.Sprint(want) || m.Commit != commit {
		t.Fatalf("entries\n%v\nwant\n%v", m.Entries, want)
	}
	if f := m.Figures(); f["files"] != 4 || f["bytes"] != 15 {
		t.Errorf("figures %v", f)
	}
	doc := string(m.Document())
	if !strings.HasPrefix(doc, `{"commit":"abab`) || !strings.Contains(doc, `"digest":"sha256:`) || strings.ContainsAny(doc, " \n") {
		t.Errorf("document %s", doc)
	}
	// A model given as a path is hashed; a name that is neither a path nor ID@REVISION is refused.
	if m, err := Build(context.Background(), Spec{Model: filepath.Join(dir, "ds")}); err != nil || len(m.Entries) != 2 || m.Entries[0].Role != RoleModel {
		t.Errorf("model folder: %v %v", m, err)
	}
	if _, err := Build(context.Background(), Spec{Model: "no such thing"}); err == nil {
		t.Error("a missing model path was accepted")
	}
	if _, err := Build(context.Background(), Spec{Commit: "abc"}); err == nil || !strings.Contains(err.Error(), "commit:") {
		t.Errorf("short commit: %v", err)
	}
}

// TestStable builds the same tree created in two different orders, twice each: the bytes match.
func TestStable(t *testing.T) {
	files := []string{"z.bin", "a/b/c.txt", "a/a.txt", "m/n.txt", "Z.txt", "é.txt"}
	var docs []string
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5}, {5, 3, 2, 4, 1, 0}} {
		dir := filepath.Join(t.TempDir(), "data")
		for _, i := range order {
			write(t, filepath.Join(dir, files[i]), files[i]+" content")
		}
		for range 2 {
			m, err := Build(context.Background(), Spec{Data: []string{dir}})
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, string(m.Document()))
		}
	}
	for _, d := range docs[1:] {
		if d != docs[0] {
			t.Fatalf("documents differ:\n%s\n%s", docs[0], d)
		}
	}
	if !strings.Contains(docs[0], `"path":"data/Z.txt"`) {
		t.Errorf("paths not under the folder's name: %s", docs[0])
	}
}

func TestSymlinks(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "blobs", "x"), "abc")
	snap := filepath.Join(dir, "snapshot")
	os.MkdirAll(snap, 0o755)
	if err := os.Symlink(filepath.Join(dir, "blobs", "x"), filepath.Join(snap, "model.safetensors")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	m, err := Build(context.Background(), Spec{Model: snap})
	if err != nil || len(m.Entries) != 1 || m.Entries[0].Path != "snapshot/model.safetensors" || m.Entries[0].SHA256 != sumABC {
		t.Fatalf("link to a file: %v %v", m, err)
	}
	// The folder itself given by a link is walked, named as given.
	os.Symlink(snap, filepath.Join(dir, "current"))
	if m, err := Build(context.Background(), Spec{Model: filepath.Join(dir, "current")}); err != nil || m.Entries[0].Path != "current/model.safetensors" {
		t.Errorf("linked root: %v %v", m, err)
	}
	os.Symlink(filepath.Join(dir, "blobs"), filepath.Join(snap, "loop"))
	if _, err := Build(context.Background(), Spec{Model: snap}); err == nil || !strings.Contains(err.Error(), "symbolic link to a folder is not followed") {
		t.Errorf("link to a folder: %v", err)
	}
	os.Remove(filepath.Join(snap, "loop"))
	if err := syscall.Mkfifo(filepath.Join(snap, "pipe"), 0o600); err == nil {
		if _, err := Build(context.Background(), Spec{Model: snap}); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
			t.Errorf("named pipe: %v", err)
		}
		os.Remove(filepath.Join(snap, "pipe"))
	}
	os.Symlink(filepath.Join(dir, "gone"), filepath.Join(snap, "dangling"))
	if _, err := Build(context.Background(), Spec{Model: snap}); err == nil || !strings.Contains(err.Error(), "broken symbolic link") {
		t.Errorf("dangling link: %v", err)
	}
}

func TestParse(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "d", "x"), "abc")
	m, err := Build(context.Background(), Spec{Data: []string{filepath.Join(dir, "d")}, Model: "org/m@main"})
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(m.Document())
	if err != nil || !bytes.Equal(back.Canonical(), m.Canonical()) {
		t.Fatalf("round trip: %v %v", back, err)
	}
	if _, err := Parse(m.Canonical()); err != nil {
		t.Errorf("without digest: %v", err)
	}
	good := `{"version":1,"entries":[{"role":"data","path":"%s","size":3,"sha256":"%s"}]%s}`
	for _, tc := range []struct{ in, want string }{
		{strings.Replace(string(m.Document()), `"size":3`, `"size":4`, 1), "digest: the content hashes to"},
		{fmt.Sprintf(good, "d/../../etc/passwd", sumABC, ""), "path:"},
		{fmt.Sprintf(good, "/etc/passwd", sumABC, ""), "is absolute"},
		{fmt.Sprintf(good, "d/x", strings.ToUpper(sumABC), ""), "sha256: want 64 lowercase"},
		{fmt.Sprintf(good, "d/x", sumABC, `,"extra":1`), "unknown field"},
		{`{"version":2,"entries":[]}`, "version:"},
		{`{"version":1,"entries":[{"role":"weights","path":"x","size":1,"sha256":"` + sumABC + `"}]}`, `entries[0].role: "weights"`},
		{`{"version":1,"entries":[{"role":"data","ref":"a@b"}]}`, "entries[0].ref: only a model"},
	} {
		if _, err := Parse([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.in, err, tc.want)
		}
	}
	many := Manifest{Version: 1}
	for i := range MaxEntries + 1 {
		many.Entries = append(many.Entries, Entry{Role: RoleData, Path: fmt.Sprint(i), SHA256: sumABC})
	}
	if err := many.Validate(); err == nil || !strings.HasPrefix(err.Error(), "entries:") {
		t.Errorf("too many entries: %v", err)
	}
}

func TestCovers(t *testing.T) {
	other := strings.Repeat("1", 64)
	approved := []Manifest{
		{Version: 1, Entries: []Entry{{Role: RoleData, Path: "old/train.jsonl", Size: 3, SHA256: sumABC}}},
		{Version: 1, Entries: []Entry{{Role: RoleModel, Ref: "org/m@v1"}, {Role: RoleConfig, Path: "c.yaml", SHA256: other}}},
	}
	run := Manifest{Version: 1, Entries: []Entry{
		{Role: RoleData, Path: "moved/train.jsonl", Size: 3, SHA256: sumABC}, // same bytes elsewhere: covered
		{Role: RoleConfig, Path: "c.yaml", SHA256: other},                    // covered by the second approval
		{Role: RoleModel, Ref: "org/m@v2"},                                   // another revision
		{Role: RoleAdapter, Path: "a.bin", SHA256: sumABC},                   // known bytes, other role
	}}
	missing := Covers(approved, run)
	if fmt.Sprint(missing) != fmt.Sprint([]Entry{run.Entries[3], run.Entries[2]}) {
		t.Errorf("missing %v", missing)
	}
	if m := Covers(approved, Manifest{Version: 1, Entries: run.Entries[:2]}); len(m) != 0 {
		t.Errorf("covered run reported %v", m)
	}
}

// TestFlatMemory hashes a 64 MiB file and checks the heap grows by a small fraction of it.
func TestFlatMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weights.bin")
	f, _ := os.Create(path)
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := Build(context.Background(), Spec{Model: path})
	runtime.ReadMemStats(&after)
	if err != nil || m.Entries[0].Size != 64<<20 {
		t.Fatal(m, err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Errorf("allocated %d bytes to hash 64 MiB", grew)
	}
}

// BenchmarkBuild prints the hashing speed (MB/s) of a 256 MiB file.
func BenchmarkBuild(b *testing.B) {
	path := filepath.Join(b.TempDir(), "weights.bin")
	data := bytes.Repeat([]byte("piaf"), 1<<20)
	f, _ := os.Create(path)
	for range 64 {
		f.Write(data)
	}
	f.Close()
	b.SetBytes(256 << 20)
	b.ReportAllocs()
	for range b.N {
		if _, err := Build(context.Background(), Spec{Model: path}); err != nil {
			b.Fatal(err)
		}
	}
}
