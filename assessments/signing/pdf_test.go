package signing

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
)

// testPDF draws a two-page PDF the way piaf's report renderer does, with go-pdf/fpdf.
// Compression is off so that a test can find the page text to change it.
func testPDF(t *testing.T) []byte {
	t.Helper()
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCompression(false)
	doc.SetTitle("piaf test report", true)
	doc.SetFont("Helvetica", "", 16)
	for range 2 {
		doc.AddPage()
		doc.Cell(0, 10, pageText)
	}
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const pageText = "Privacy impact assessment"

// pdfsig runs poppler's verifier and returns its output.
func pdfsig(t *testing.T, pdf []byte) string {
	t.Helper()
	tool := requireTool(t, "pdfsig", "poppler-utils")
	out, _ := run(t, nil, tool, writeTemp(t, t.TempDir(), "report.pdf", pdf))
	return out
}

func signTestPDF(t *testing.T, k *Keyring) []byte {
	t.Helper()
	signed, err := k.SignPDF(testPDF(t), PDFInfo{
		Name:     "Example Org",
		Reason:   "piaf report, assessment 7 cycle 2 revision 14, SHA-256 ab12",
		Location: "https://piaf.example",
		Contact:  "dpo@example.org",
	})
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func TestPDFSignatureVerifiesWithPdfsig(t *testing.T) {
	k, _, _ := newKeyring(t)
	signed := signTestPDF(t, k)
	r, err := VerifyPDF(signed, k.TrustedCertificates())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Valid || !r.Intact || r.Problem != "" {
		t.Errorf("VerifyPDF: valid %v, intact %v, problem %q", r.Valid, r.Intact, r.Problem)
	}
	if r.Trusted == nil || !r.Trusted.Equal(k.Certificates()[0].Cert) || !r.Signer.Equal(r.Trusted) {
		t.Errorf("VerifyPDF: signer %v, trusted %v", r.Signer, r.Trusted)
	}
	if r.Reason != "piaf report, assessment 7 cycle 2 revision 14, SHA-256 ab12" || r.Name != "Example Org" {
		t.Errorf("VerifyPDF: name %q, reason %q", r.Name, r.Reason)
	}

	out := pdfsig(t, signed)
	if !strings.Contains(out, "Signature is Valid.") || !strings.Contains(out, "Total document signed") {
		t.Errorf("pdfsig does not call the signature valid over the whole file:\n%s", out)
	}
	// Self-signed, so not trusted, but NSS must find nothing else wrong with the certificate.
	if !strings.Contains(out, "Certificate Validation: Certificate issuer is unknown.") {
		t.Errorf("pdfsig finds fault with the certificate:\n%s", out)
	}
}

func TestTamperedPDFFails(t *testing.T) {
	k, _, _ := newKeyring(t)
	signed := signTestPDF(t, k)
	at := bytes.Index(signed, []byte(pageText))
	if at < 0 {
		t.Fatal("page text not found in the signed PDF")
	}
	tampered := bytes.Clone(signed)
	tampered[at] ^= 0x20 // "P" becomes "p": the file still parses, only the digest differs
	r, err := VerifyPDF(tampered, k.TrustedCertificates())
	if err != nil {
		t.Fatal(err)
	}
	if r.Valid || r.Intact || r.Problem == "" {
		t.Errorf("VerifyPDF of a tampered copy: valid %v, intact %v, problem %q", r.Valid, r.Intact, r.Problem)
	}

	out := pdfsig(t, tampered)
	if !strings.Contains(out, "Signature Validation:") || strings.Contains(out, "Signature is Valid.") {
		t.Errorf("pdfsig calls a tampered copy valid:\n%s", out)
	}
}

func TestPDFWithAppendedBytesIsNotIntact(t *testing.T) {
	k, _, _ := newKeyring(t)
	appended := append(signTestPDF(t, k), "% added after signing\n"...)
	r, err := VerifyPDF(appended, k.TrustedCertificates())
	if err != nil { // refused before parsing: it no longer ends with %%EOF
		return
	}
	if r.Valid || r.Intact {
		t.Errorf("VerifyPDF of a PDF with bytes added after signing: valid %v, intact %v", r.Valid, r.Intact)
	}
}

func TestPDFSignedByUnknownCertificate(t *testing.T) {
	k, _, _ := newKeyring(t)
	other, _, _ := newKeyring(t)
	r, err := VerifyPDF(signTestPDF(t, other), k.TrustedCertificates())
	if err != nil {
		t.Fatal(err)
	}
	if r.Valid || !r.Intact || r.Trusted != nil {
		t.Errorf("VerifyPDF of another instance's report: valid %v, intact %v, trusted %v", r.Valid, r.Intact, r.Trusted)
	}
}

func TestPDFOfRetiredCertificateStillVerifies(t *testing.T) {
	k, _, _ := newKeyring(t)
	signed := signTestPDF(t, k)
	if err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	r, err := VerifyPDF(signed, k.TrustedCertificates())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Valid || !r.Trusted.Equal(k.Certificates()[1].Cert) {
		t.Errorf("report signed before Rotate: valid %v, problem %q", r.Valid, r.Problem)
	}
}

func TestPDFWithOrganisationChain(t *testing.T) {
	k, _, _ := newKeyring(t)
	keyPEM, chainPEM, ca := orgChain(t)
	if err := k.UsePEM(keyPEM, chainPEM); err != nil {
		t.Fatal(err)
	}
	signed := signTestPDF(t, k)
	r, err := VerifyPDF(signed, k.TrustedCertificates())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Valid || r.Signer.Subject.CommonName != "Example Org privacy office" {
		t.Errorf("VerifyPDF: valid %v, problem %q, signer %v", r.Valid, r.Problem, r.Signer.Subject)
	}
	var hasCA bool
	for _, c := range r.Certificates {
		hasCA = hasCA || c.Equal(ca)
	}
	if !hasCA {
		t.Errorf("the organisation's CA is not embedded: %d certificates", len(r.Certificates))
	}

	if out := pdfsig(t, signed); !strings.Contains(out, "Signature is Valid.") {
		t.Errorf("pdfsig does not call the ECDSA signature valid:\n%s", out)
	}
}

func TestVerifyPDFWithoutSignature(t *testing.T) {
	if _, err := VerifyPDF(testPDF(t), nil); err == nil {
		t.Error("VerifyPDF of an unsigned PDF gave no error")
	}
	if _, err := VerifyPDF([]byte("not a pdf"), nil); err == nil {
		t.Error("VerifyPDF of garbage gave no error")
	}
}

func TestSignPDFRefusesSignedPDF(t *testing.T) {
	k, _, _ := newKeyring(t)
	if _, err := k.SignPDF(signTestPDF(t, k), PDFInfo{}); err == nil {
		t.Error("SignPDF signed a signed PDF again")
	}
}

// An RSA 4096 key makes the largest signature piaf expects; pdfsign's own placeholder
// estimate is too small for it.
func TestPDFWithRSA4096Key(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Example Org RSA 4096"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, SignatureAlgorithm: x509.SHA512WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	k, _, _ := newKeyring(t)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := k.UsePEM(keyPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})); err != nil {
		t.Fatal(err)
	}
	signed := signTestPDF(t, k)
	if r, err := VerifyPDF(signed, k.TrustedCertificates()); err != nil || !r.Valid {
		t.Fatalf("VerifyPDF: %+v, %v", r, err)
	}
	if out := pdfsig(t, signed); !strings.Contains(out, "Signature is Valid.") {
		t.Errorf("pdfsig does not call the RSA 4096 signature valid:\n%s", out)
	}
}
