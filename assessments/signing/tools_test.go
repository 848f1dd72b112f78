package signing

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// requireTool returns the path of an external verifier. Missing, it fails the test on CI
// (CI=true), where .ci/run must install it, and skips it elsewhere; both say how to install.
func requireTool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s not found; install it with: apt-get install -y %s", name, debianPackage)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s", msg)
	} else {
		t.Skip(msg)
	}
	return ""
}

// run runs an external command with stdin and returns its combined output and exit code.
func run(t *testing.T, stdin []byte, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("running %s: %v", name, err)
	}
	return string(out), 0
}

func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// testClock starts at the real time, because the CMS signing time inside a PDF signature
// always comes from the real clock and must fall within the certificate's validity.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now().Truncate(time.Second)} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newKeyring(t *testing.T) (*Keyring, string, *testClock) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "keys")
	clock := newTestClock()
	k, err := Load(dir, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	return k, dir, clock
}

// toolTB records what requireTool does instead of stopping the test.
type toolTB struct {
	testing.TB
	fatal, skip string
}

func (r *toolTB) Helper()                         {}
func (r *toolTB) Fatalf(f string, args ...any)    { r.fatal = fmt.Sprintf(f, args...) }
func (r *toolTB) Skip(args ...any)                { r.skip = fmt.Sprint(args...) }
func (r *toolTB) Skipf(f string, args ...any)     { r.skip = fmt.Sprintf(f, args...) }
func (r *toolTB) Errorf(f string, args ...any)    { r.fatal = fmt.Sprintf(f, args...) }
func (r *toolTB) Logf(format string, args ...any) {}

func TestRequireToolMissing(t *testing.T) {
	const want = "apt-get install -y poppler-utils"
	for _, ci := range []string{"true", ""} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			rec := &toolTB{TB: t}
			requireTool(rec, "piaf-no-such-verifier", "poppler-utils")
			got, other := rec.skip, rec.fatal
			if ci == "true" {
				got, other = rec.fatal, rec.skip
			}
			if !strings.Contains(got, want) || other != "" {
				t.Errorf("fatal %q, skip %q; want only the %s and naming %q", rec.fatal, rec.skip,
					map[bool]string{true: "fatal", false: "skip"}[ci == "true"], want)
			}
		})
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
