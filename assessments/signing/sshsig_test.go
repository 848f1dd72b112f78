package signing

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

const identity = "reports@piaf.example"

// sshVerify runs the command an auditor runs and reports whether ssh-keygen accepted it.
func sshVerify(t *testing.T, k *Keyring, message, sig []byte) (bool, string) {
	t.Helper()
	sshKeygen := requireTool(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	allowed := writeTemp(t, dir, "allowed_signers", k.AllowedSigners(identity))
	sigFile := writeTemp(t, dir, "report.md.sig", sig)
	out, code := run(t, message, sshKeygen, "-Y", "verify", "-f", allowed, "-I", identity,
		"-n", Namespace, "-s", sigFile)
	return code == 0 && strings.Contains(out, "Good"), out
}

func TestSSHSignatureVerifiesWithSSHKeygen(t *testing.T) {
	k, _, _ := newKeyring(t)
	message := []byte("# PIA report\n\nAssessment 7, cycle 2, revision 14.\n")
	sig, err := k.SignSSH(message, Namespace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifySSH(message, sig, Namespace, k.SSHPublicKeys()); err != nil {
		t.Errorf("VerifySSH: %v", err)
	}
	tampered := bytes.Clone(message)
	tampered[len(tampered)/2] ^= 0x01
	if _, err := VerifySSH(tampered, sig, Namespace, k.SSHPublicKeys()); !errors.Is(err, ErrSSHSignatureInvalid) {
		t.Errorf("VerifySSH of a tampered message: %v, want ErrSSHSignatureInvalid", err)
	}
	if ok, out := sshVerify(t, k, message, sig); !ok {
		t.Fatalf("ssh-keygen rejected the signature:\n%s\nsignature:\n%s", out, sig)
	}
	if ok, out := sshVerify(t, k, tampered, sig); ok {
		t.Errorf("ssh-keygen accepted a tampered message:\n%s", out)
	}
}

func TestSSHSignatureOfOldKeyVerifiesAfterRotate(t *testing.T) {
	k, _, clock := newKeyring(t)
	message := []byte("signed before rotation\n")
	oldSig, err := k.SignSSH(message, Namespace)
	if err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Hour)
	if err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	newSig, _ := k.SignSSH(message, Namespace)
	lines := strings.Split(strings.TrimSpace(string(k.AllowedSigners(identity))), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "# retired ") {
		t.Errorf("allowed_signers after one rotation:\n%s", strings.Join(lines, "\n"))
	}
	for name, sig := range map[string][]byte{"old key": oldSig, "new key": newSig} {
		if _, err := VerifySSH(message, sig, Namespace, k.SSHPublicKeys()); err != nil {
			t.Errorf("%s: VerifySSH: %v", name, err)
		}
		if ok, out := sshVerify(t, k, message, sig); !ok {
			t.Errorf("%s: ssh-keygen rejected the signature:\n%s\nallowed_signers:\n%s", name, out, k.AllowedSigners(identity))
		}
	}
}

func TestSSHKeygenSignatureVerifiesWithVerifySSH(t *testing.T) {
	sshKeygen := requireTool(t, "ssh-keygen", "openssh-client")
	k, keyDir, _ := newKeyring(t)
	dir := t.TempDir()
	message := []byte("signed by ssh-keygen with piaf's key file\n")
	msgFile := writeTemp(t, dir, "report.md", message)
	// ssh-keygen refuses a private key file readable by others, so this checks the mode too.
	if out, code := run(t, nil, sshKeygen, "-Y", "sign", "-f", filepath.Join(keyDir, sshKeyFile), "-n", Namespace, msgFile); code != 0 {
		t.Fatalf("ssh-keygen -Y sign: exit %d\n%s", code, out)
	}
	sig := readFile(t, msgFile+".sig")
	signer, err := VerifySSH(message, sig, Namespace, k.SSHPublicKeys())
	if err != nil {
		t.Fatalf("VerifySSH of ssh-keygen's signature: %v\n%s", err, sig)
	}
	if got, want := ssh.FingerprintSHA256(signer), k.SSHKeys()[0].Fingerprint; got != want {
		t.Errorf("signer %s, want %s", got, want)
	}
	// Ed25519 signatures are deterministic, so piaf's must be ssh-keygen's byte for byte.
	ours, err := k.SignSSH(message, Namespace)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, sig) {
		t.Errorf("SignSSH differs from ssh-keygen -Y sign:\n%s\nssh-keygen:\n%s", ours, sig)
	}
}

func TestVerifySSHRefuses(t *testing.T) {
	k, _, _ := newKeyring(t)
	other, _, _ := newKeyring(t)
	message := []byte("report")
	sig, _ := k.SignSSH(message, Namespace)
	if _, err := VerifySSH(message, sig, "file", k.SSHPublicKeys()); !errors.Is(err, ErrSSHSignatureInvalid) {
		t.Errorf("other namespace: %v", err)
	}
	signer, err := VerifySSH(message, sig, Namespace, other.SSHPublicKeys())
	if !errors.Is(err, ErrSSHSignerUnknown) || ssh.FingerprintSHA256(signer) != k.SSHKeys()[0].Fingerprint {
		t.Errorf("unknown key: %v, signer %v", err, signer)
	}
	if _, err := VerifySSH(message, []byte("not a signature"), Namespace, k.SSHPublicKeys()); err == nil {
		t.Error("garbage accepted")
	}
}

func TestAllowedSignersIdentity(t *testing.T) {
	k, _, _ := newKeyring(t)
	if err := ValidIdentity(identity); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "two words", `a"b`, "a,b", "*", "#x"} {
		if ValidIdentity(bad) == nil {
			t.Errorf("ValidIdentity(%q) accepted it", bad)
		}
		line := string(k.AllowedSigners(bad))
		if principal, _, _ := strings.Cut(line, " "); ValidIdentity(principal) != nil {
			t.Errorf("AllowedSigners(%q) wrote principal %q", bad, principal)
		}
	}
	want := identity + ` namespaces="piaf-report" ` + string(k.AuthorizedKey())
	if got := string(k.AllowedSigners(identity)); got != want {
		t.Errorf("AllowedSigners = %q, want %q", got, want)
	}
}
