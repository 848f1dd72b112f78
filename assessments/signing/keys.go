package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// selfSignedCN names the certificate piaf generates; Rotate replaces only such a certificate.
const selfSignedCN = "piaf report signing"

// oidDocumentSigning is the Document Signing extended key usage of RFC 9336. The generated
// certificate carries E-mail Protection too: NSS, and so pdfsig, judges a signer certificate
// by it and reports "Unknown issue with Certificate" for one with Document Signing alone.
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

func newSSHKey() (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("signing: generating SSH key: %w", err)
	}
	return key, nil
}

func parseSSHKey(data []byte) (ed25519.PrivateKey, error) {
	raw, err := ssh.ParseRawPrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("signing: %s: %w", sshKeyFile, err)
	}
	switch key := raw.(type) {
	case ed25519.PrivateKey:
		return key, nil
	case *ed25519.PrivateKey:
		return *key, nil
	}
	return nil, fmt.Errorf("signing: %s: want an Ed25519 key, found %T", sshKeyFile, raw)
}

func authorizedKey(key ed25519.PrivateKey) []byte {
	pub, _ := ssh.NewPublicKey(key.Public())
	return ssh.MarshalAuthorizedKey(pub)
}

// newPDFKey generates an RSA 3072 key and a self-signed certificate valid for five years.
func newPDFKey(now time.Time) (crypto.Signer, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		return nil, nil, fmt.Errorf("signing: generating PDF key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("signing: %w", err)
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: selfSignedCN, Organization: []string{"piaf"}},
		NotBefore:             now.Add(-time.Hour).UTC(), // tolerate a verifier's clock running late
		NotAfter:              now.AddDate(5, 0, 0).UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidDocumentSigning},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("signing: creating certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("signing: %w", err)
	}
	return key, cert, nil
}

// isGenerated tells whether chain is a certificate piaf made itself rather than the
// organisation's.
func isGenerated(chain []*x509.Certificate) bool {
	c := chain[0]
	return len(chain) == 1 && c.Subject.CommonName == selfSignedCN &&
		bytes.Equal(c.RawSubject, c.RawIssuer) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// parsePDFKey reads a PEM private key and a PEM certificate chain, leaf first, and checks
// that they belong together.
func parsePDFKey(keyPEM, chainPEM []byte) (crypto.Signer, []*x509.Certificate, error) {
	key, err := parsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, nil, err
	}
	chain, err := x509.ParseCertificates(pemBytes(chainPEM, "CERTIFICATE"))
	if err != nil {
		return nil, nil, fmt.Errorf("signing: certificate: %w", err)
	}
	if len(chain) == 0 {
		return nil, nil, errors.New("signing: no CERTIFICATE block in the certificate PEM")
	}
	type publicKey interface{ Equal(crypto.PublicKey) bool }
	if !key.Public().(publicKey).Equal(chain[0].PublicKey) {
		return nil, nil, errors.New("signing: the first certificate does not belong to the private key")
	}
	for i := 1; i < len(chain); i++ {
		if err := chain[i-1].CheckSignatureFrom(chain[i]); err != nil {
			return nil, nil, fmt.Errorf("signing: certificate %d is not issued by certificate %d: %w", i, i+1, err)
		}
	}
	return key, chain, nil
}

func parsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil || !strings.HasSuffix(block.Type, "PRIVATE KEY") {
		return nil, errors.New("signing: no PRIVATE KEY block in the key PEM")
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, errors.New("signing: the key PEM is encrypted; store it unencrypted with mode 0600")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("signing: private key: %w", err)
	}
	switch key := key.(type) {
	case *rsa.PrivateKey:
		if key.N.BitLen() < 2048 {
			return nil, fmt.Errorf("signing: RSA key of %d bits is too short; use 2048 or more", key.N.BitLen())
		}
		return key, nil
	case *ecdsa.PrivateKey:
		return key, nil
	}
	return nil, fmt.Errorf("signing: PDF signing needs an RSA or ECDSA key, found %T", key)
}

// pemBytes concatenates the DER of every block of the given type.
func pemBytes(data []byte, typ string) []byte {
	var der []byte
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return der
		}
		if block.Type == typ {
			der = append(der, block.Bytes...)
		}
	}
}

func parseCertificatePEM(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no CERTIFICATE block")
	}
	return x509.ParseCertificate(block.Bytes)
}

func encodeCertificates(certs []*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, c := range certs {
		pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return buf.Bytes()
}

// CertFingerprint returns the SHA-256 of the certificate's DER as colon-separated
// upper-case hex, the form `openssl x509 -noout -fingerprint -sha256` prints.
func CertFingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
