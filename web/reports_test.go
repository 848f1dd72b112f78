package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/web"
)

// requireTool finds an external verifier, or skips locally and fails under CI.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found; CI must install it: apt-get install -y %s", name, pkg)
		}
		t.Skipf("needs %s: apt-get install -y %s", name, pkg)
	}
	return path
}

func download(t *testing.T, c *client, path string) []byte {
	t.Helper()
	r := c.get(path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return []byte(r.body)
}

func TestSignedReportsVerifyWithStandardTools(t *testing.T) {
	sshKeygen := requireTool(t, "ssh-keygen", "openssh-client")
	pdfsig := requireTool(t, "pdfsig", "poppler-utils")
	pdftotext := requireTool(t, "pdftotext", "poppler-utils")
	f := approvedFixture(t)
	a := f.app
	c := a.signedIn(f.users[viewer])
	dir := t.TempDir()
	base := fmt.Sprintf("/assessments/%d", f.id)

	page := c.get(base + "/report")
	if page.status != 200 || !page.has("report-approved") || !page.has("report-preview") || !strings.Contains(page.body, "Support bot") {
		t.Fatalf("report page: %d", page.status)
	}
	md := download(t, c, base+"/report.md")
	sig := download(t, c, base+"/report.md.sig")
	if !bytes.Equal(md, download(t, c, base+"/report.md")) {
		t.Fatal("the same revision gave different Markdown")
	}
	allowed := download(t, a.anonymous(), "/signing/allowed_signers")
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("report.md", md)
	write("report.md.sig", sig)
	write("allowed_signers", allowed)
	verifySSH := func(file string) (string, error) {
		in, _ := os.Open(filepath.Join(dir, file))
		defer in.Close()
		cmd := exec.Command(sshKeygen, "-Y", "verify", "-f", filepath.Join(dir, "allowed_signers"), "-I", "piaf-reports",
			"-n", "piaf-report", "-s", filepath.Join(dir, "report.md.sig"))
		cmd.Stdin = in
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := verifySSH("report.md"); err != nil || !strings.Contains(out, "Good") {
		t.Fatalf("ssh-keygen -Y verify: %v\n%s", err, out)
	}
	tampered := bytes.Replace(md, []byte("Support bot"), []byte("Support bat"), 1)
	write("tampered.md", tampered)
	if out, err := verifySSH("tampered.md"); err == nil {
		t.Fatalf("ssh-keygen accepted a changed report:\n%s", out)
	}

	pdf := download(t, c, base+"/report.pdf")
	write("report.pdf", pdf)
	out, _ := exec.Command(pdfsig, filepath.Join(dir, "report.pdf")).CombinedOutput()
	if !strings.Contains(string(out), "Signature is Valid.") || !strings.Contains(string(out), "Total document signed") {
		t.Fatalf("pdfsig:\n%s", out)
	}
	broken := bytes.Clone(pdf)
	i := bytes.Index(broken, []byte("/Title"))
	broken[i+1] ^= 0x20 // one byte inside the signed range
	write("broken.pdf", broken)
	if out, _ := exec.Command(pdfsig, filepath.Join(dir, "broken.pdf")).CombinedOutput(); strings.Contains(string(out), "Signature is Valid.") {
		t.Fatalf("pdfsig accepted a changed PDF:\n%s", out)
	}
	text, err := exec.Command(pdftotext, filepath.Join(dir, "report.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	as, _ := a.store.Assessment(t.Context(), f.id)
	for _, want := range []string{"Support bot", as.StateHash[:16], "Page 1 of"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("pdftotext lacks %q", want)
		}
	}

	// Every export is recorded and audited.
	exports, _ := a.store.Exports(t.Context(), f.id)
	if len(exports) != 4 { // md twice, sig and pdf
		t.Errorf("%d exports recorded, want 4", len(exports))
	}
	entries, _, _ := a.store.AuditEntries(t.Context(), storeAuditQuery("report.export"))
	if len(entries) != len(exports) {
		t.Errorf("%d export audit entries for %d exports", len(entries), len(exports))
	}

	// The verify page says what the report is; anyone may use it.
	anon := a.anonymous()
	anon.get("/verify")
	res := anon.uploadFiles("/verify", map[string][2]string{"file": {"report.md", string(md)}, "sig": {"report.md.sig", string(sig)}})
	if res.status != 200 || !res.has("verify-valid") || !res.has("verify-approved") || !strings.Contains(res.body, "Support bot") {
		t.Fatalf("verify page, Markdown: %d\n%s", res.status, res.body)
	}
	res = anon.uploadFiles("/verify", map[string][2]string{"file": {"report.pdf", string(pdf)}})
	if res.status != 200 || !res.has("verify-valid") || !res.has("verify-approved") {
		t.Fatalf("verify page, PDF: %d", res.status)
	}
	res = anon.uploadFiles("/verify", map[string][2]string{"file": {"report.md", string(tampered)}, "sig": {"report.md.sig", string(sig)}})
	if res.status != 422 || !res.has("verify-invalid") {
		t.Fatalf("verify page, tampered: %d", res.status)
	}
	// A draft revision's report says so.
	draft := download(t, c, base+"/report.md?revision=2")
	if !bytes.Contains(draft, []byte("DRAFT")) {
		t.Error("a draft revision's report is not marked DRAFT")
	}
	// Non-members get nothing.
	if r := a.signedIn(f.users[nonMember]).get(base + "/report.pdf"); r.status != 404 {
		t.Errorf("non-member download: %d", r.status)
	}
}

func TestKeyRotationKeepsOldReportsValid(t *testing.T) {
	sshKeygen := requireTool(t, "ssh-keygen", "openssh-client")
	keysDir := t.TempDir()
	a := newAppWith(t, func(c *web.Config) { c.KeysDir = keysDir })
	root := a.user("root@example.org", true)
	tok := a.token(root)
	p := a.project(root, "Support bot")
	id := startAssessment(t, a, tok, p)
	c := a.signedIn(root)
	base := fmt.Sprintf("/assessments/%d", id)
	md := download(t, c, base+"/report.md")
	sig := download(t, c, base+"/report.md.sig")

	if r := c.post("/admin/settings/keys/rotate", nil); r.status != http.StatusSeeOther {
		t.Fatalf("rotate: %d", r.status)
	}
	page := c.get("/admin/settings")
	if strings.Count(page.body, "retired ") < 2 || !page.has("signing-keys") {
		t.Error("the settings page does not list the retired keys")
	}
	if strings.Contains(page.body, "PRIVATE KEY") {
		t.Fatal("the settings page shows a private key")
	}
	entries, _, _ := a.store.AuditEntries(t.Context(), storeAuditQuery("key.change"))
	if len(entries) != 1 {
		t.Errorf("%d key.change audit entries", len(entries))
	}
	// The old report verifies against the new allowed_signers.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "allowed_signers"), download(t, a.anonymous(), "/signing/allowed_signers"), 0o600)
	os.WriteFile(filepath.Join(dir, "report.md.sig"), sig, 0o600)
	cmd := exec.Command(sshKeygen, "-Y", "verify", "-f", filepath.Join(dir, "allowed_signers"), "-I", "piaf-reports", "-n", "piaf-report",
		"-s", filepath.Join(dir, "report.md.sig"))
	cmd.Stdin = bytes.NewReader(md)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the old report no longer verifies after rotation: %v\n%s", err, out)
	}
	// New signatures use the new key.
	if bytes.Equal(sig, download(t, c, base+"/report.md.sig")) {
		t.Error("the signature did not change with the key")
	}
	// Key files are private.
	err := filepath.Walk(keysDir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", path, info.Mode().Perm())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestApprovedReportKeepsTheApprovedProject: the project changing after approval does not change
// what the approved revision's report says the project was.
func TestApprovedReportKeepsTheApprovedProject(t *testing.T) {
	f := approvedFixture(t)
	a := f.app
	c := a.signedIn(f.users[viewer])
	as, _ := a.store.Assessment(t.Context(), f.id)
	path := fmt.Sprintf("/assessments/%d/report.md?revision=%d", f.id, as.Revision)
	before := download(t, c, path)
	if r := a.api("PATCH", fmt.Sprintf("/api/v1/projects/%d", f.project.ID), a.token(f.users[owner]), `{"deployment":"Now also sold to third parties"}`); r.status != 200 {
		t.Fatalf("patch: %d", r.status)
	}
	after := download(t, c, path)
	if !bytes.Equal(before, after) || bytes.Contains(after, []byte("sold to third parties")) {
		t.Fatal("the approved revision's report changed with the project")
	}
	var state struct {
		State struct{ Project struct{ Purpose string } }
	}
	a.api("GET", fmt.Sprintf("/api/v1/assessments/%d/revisions/%d", f.id, as.Revision), a.token(f.users[owner]), "").json(t, &state)
	if state.State.Project.Purpose != "Support replies" {
		t.Error("the approved state does not record the project")
	}
}
