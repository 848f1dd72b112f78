package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// makeReadOnly makes dir read-only for the rest of the test. Permissions do not stop root, so
// as root the folder is made immutable with chattr instead.
func makeReadOnly(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
	} else {
		out, err := exec.Command("chattr", "+i", dir).CombinedOutput()
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("chattr +i: %v %s", err, out)
			}
			t.Skipf("running as root and chattr +i fails (%v %s): install it with 'apt-get install e2fsprogs', or run as another user", err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
	}
	if f, err := os.Create(filepath.Join(dir, "probe")); err == nil {
		f.Close()
		t.Fatalf("%s is still writable", dir)
	}
}

// Review of issue 17, item 11: an archived backup in a read-only folder could not be checked.
func TestReadingCommandsWorkOnAReadOnlyFolder(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if r := runCmd(t, "a long enough passphrase\n", nil, "user", "add", "--data", data, "--email", "dpo@example.org", "--admin"); r.err != nil {
		t.Fatal(r.err)
	}
	makeReadOnly(t, data)
	if r := runCmd(t, "", nil, "user", "list", "--data", data); r.err != nil || !strings.Contains(r.stdout, "dpo@example.org") {
		t.Errorf("user list: %v %s", r.err, r.stdout)
	}
	if r := runCmd(t, "", nil, "audit", "verify", "--data", data); r.err != nil || !strings.Contains(r.stdout, "audit log intact") {
		t.Errorf("audit verify: %v %s", r.err, r.stdout)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if r := runCmd(t, "", nil, "backup", "--data", data, copyPath); r.err != nil {
		t.Errorf("backup: %v", r.err)
	}
	// The copy, archived in a read-only folder of its own, verifies too.
	archive := filepath.Dir(copyPath)
	if err := os.Rename(copyPath, filepath.Join(archive, "piaf.db")); err != nil {
		t.Fatal(err)
	}
	makeReadOnly(t, archive)
	if r := runCmd(t, "", nil, "audit", "verify", "--data", archive); r.err != nil || !strings.Contains(r.stdout, "audit log intact") {
		t.Errorf("audit verify of an archived backup: %v %s", r.err, r.stdout)
	}
}
