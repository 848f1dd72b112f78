package signing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadCreatesPrivateKeyFolder(t *testing.T) {
	k, dir, _ := newKeyring(t)
	if err := k.Rotate(); err != nil { // so retired.json exists too
		t.Fatal(err)
	}
	checkMode(t, dir, 0o700)
	for _, name := range []string{sshKeyFile, sshPubFile, pdfKeyFile, pdfCertFile, retiredFile} {
		checkMode(t, filepath.Join(dir, name), 0o600)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 5 {
		t.Errorf("key folder holds %d entries, want the 5 key files (temporary files left?)", len(entries))
	}
}

func TestLoadTightensLooseModes(t *testing.T) {
	_, dir, _ := newKeyring(t)
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Join(dir, pdfKeyFile), 0o644)
	if _, err := Load(dir, nil); err != nil {
		t.Fatal(err)
	}
	checkMode(t, dir, 0o700)
	checkMode(t, filepath.Join(dir, pdfKeyFile), 0o600)
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", filepath.Base(path), got, want)
	}
}

func TestLoadTwiceGivesSameKeys(t *testing.T) {
	first, dir, clock := newKeyring(t)
	again, err := Load(dir, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := first.SSHKeys()[0].Fingerprint, again.SSHKeys()[0].Fingerprint; a != b {
		t.Errorf("SSH key changed between loads: %s, then %s", a, b)
	}
	if a, b := first.Certificates()[0].Fingerprint, again.Certificates()[0].Fingerprint; a != b {
		t.Errorf("certificate changed between loads: %s, then %s", a, b)
	}
	sig, err := again.SignSSH([]byte("report"), Namespace)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifySSH([]byte("report"), sig, Namespace, first.SSHPublicKeys()); err != nil {
		t.Errorf("signature by the reloaded key: %v", err)
	}
}

func TestGeneratedCertificate(t *testing.T) {
	k, _, clock := newKeyring(t)
	c := k.Certificates()[0].Cert
	if c.Subject.CommonName != "piaf report signing" {
		t.Errorf("CN %q", c.Subject.CommonName)
	}
	if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		t.Error("no digital signature key usage")
	}
	if years := c.NotAfter.Sub(clock.now()).Hours() / 24 / 365; years < 4.9 || years > 5.1 {
		t.Errorf("valid for %.1f years, want 5", years)
	}
	if pub, ok := c.PublicKey.(*rsa.PublicKey); !ok || pub.N.BitLen() != 3072 {
		t.Errorf("public key %T, want RSA 3072", c.PublicKey)
	}
	if !strings.HasPrefix(k.SSHKeys()[0].Fingerprint, "SHA256:") {
		t.Errorf("SSH fingerprint %q", k.SSHKeys()[0].Fingerprint)
	}
	if fp := k.Certificates()[0].Fingerprint; len(fp) != 32*3-1 {
		t.Errorf("certificate fingerprint %q", fp)
	}
}

func TestRotateKeepsOnlyPublicHalves(t *testing.T) {
	k, dir, clock := newKeyring(t)
	oldSSH, oldCert := k.SSHKeys()[0], k.Certificates()[0]
	clock.advance(24 * time.Hour)
	if err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	reloaded, err := Load(dir, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*Keyring{k, reloaded} {
		ssh, certs := k.SSHKeys(), k.Certificates()
		if len(ssh) != 2 || ssh[0].Fingerprint == oldSSH.Fingerprint || ssh[1].Fingerprint != oldSSH.Fingerprint {
			t.Fatalf("SSH keys after Rotate: %+v", ssh)
		}
		if !ssh[1].Retired.Equal(clock.now()) || !ssh[0].Retired.IsZero() {
			t.Errorf("retirement times %v, %v", ssh[0].Retired, ssh[1].Retired)
		}
		if len(certs) != 2 || certs[0].Fingerprint == oldCert.Fingerprint || certs[1].Fingerprint != oldCert.Fingerprint {
			t.Fatalf("certificates after Rotate: %+v", certs)
		}
	}
	retired, err := os.ReadFile(filepath.Join(dir, retiredFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(retired), "PRIVATE") {
		t.Error("retired.json holds a private key")
	}
}

// orgChain makes an organisation CA and an ECDSA signing certificate it issued.
func orgChain(t *testing.T) (keyPEM, chainPEM []byte, ca *x509.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Example Org CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Example Org privacy office"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(2, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTemplate, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	chainPEM = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	return keyPEM, chainPEM, ca
}

func TestOrganisationKeyPlacedByAdmin(t *testing.T) {
	keyPEM, chainPEM, ca := orgChain(t)
	dir := filepath.Join(t.TempDir(), "keys")
	os.MkdirAll(dir, 0o755)
	writeTemp(t, dir, pdfKeyFile, keyPEM)
	writeTemp(t, dir, pdfCertFile, chainPEM)
	k, err := Load(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(k.CertificatePEM()); got != string(chainPEM) {
		t.Errorf("CertificatePEM is not the organisation's chain:\n%s", got)
	}
	if err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	if certs := k.Certificates(); len(certs) != 1 || certs[0].Cert.Issuer.CommonName != ca.Subject.CommonName {
		t.Errorf("Rotate replaced the organisation's certificate: %+v", certs)
	}
}

func TestUsePEMRetiresGeneratedCertificate(t *testing.T) {
	k, dir, _ := newKeyring(t)
	generated := k.Certificates()[0]
	keyPEM, chainPEM, _ := orgChain(t)
	if err := k.UsePEM(keyPEM, chainPEM); err != nil {
		t.Fatal(err)
	}
	certs := k.Certificates()
	if len(certs) != 2 || certs[0].Cert.Subject.CommonName != "Example Org privacy office" ||
		certs[1].Fingerprint != generated.Fingerprint || certs[1].Retired.IsZero() {
		t.Fatalf("certificates after UsePEM: %+v", certs)
	}
	onDisk, _ := os.ReadFile(filepath.Join(dir, pdfCertFile))
	if string(onDisk) != string(chainPEM) {
		t.Error("pdf-cert.pem is not the organisation's chain")
	}
}

func TestUsePEMRejectsMismatch(t *testing.T) {
	k, _, _ := newKeyring(t)
	keyPEM, _, _ := orgChain(t)
	_, chainPEM, _ := orgChain(t)
	if err := k.UsePEM(keyPEM, chainPEM); err == nil {
		t.Error("UsePEM accepted a certificate of another key")
	}
	if err := k.UsePEM(keyPEM, nil); err == nil {
		t.Error("UsePEM accepted no certificate")
	}
}

func TestSigningWhileRotating(t *testing.T) {
	k, _, _ := newKeyring(t)
	pdf := testPDF(t)
	done := make(chan error)
	go func() { done <- k.Rotate() }()
	for range 3 {
		if _, err := k.SignSSH([]byte("report"), Namespace); err != nil {
			t.Error(err)
		}
		if _, err := k.SignPDF(pdf, PDFInfo{Reason: "test"}); err != nil {
			t.Error(err)
		}
		k.AllowedSigners(identity)
		k.TrustedCertificates()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestKeyringPrintsNoKeys(t *testing.T) {
	k, dir, _ := newKeyring(t)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(format, k); got != "signing.Keyring("+dir+")" {
			t.Errorf("%s prints %q", format, got)
		}
	}
}
