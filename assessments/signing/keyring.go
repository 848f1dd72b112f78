package signing

import (
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Names of the files in the key folder; see the package documentation.
const (
	sshKeyFile  = "ssh-key"
	sshPubFile  = "ssh-key.pub"
	pdfKeyFile  = "pdf-key.pem"
	pdfCertFile = "pdf-cert.pem"
	retiredFile = "retired.json"
)

// Keyring holds the current signing keys and the public halves of retired ones. It is safe
// for concurrent use.
type Keyring struct {
	dir string
	now func() time.Time

	mu       sync.RWMutex
	sshKey   ed25519.PrivateKey
	pdfKey   crypto.Signer
	pdfChain []*x509.Certificate // leaf first
	retired  retiredKeys
}

// Load opens the key folder dir, creating it and any missing keys. now stamps certificates
// and retirements; nil means time.Now.
func Load(dir string, now func() time.Time) (*Keyring, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	if err := tightenPermissions(dir); err != nil {
		return nil, err
	}
	k := &Keyring{dir: dir, now: now}
	if err := k.loadSSH(); err != nil {
		return nil, err
	}
	if err := k.loadPDF(); err != nil {
		return nil, err
	}
	retired, err := readRetired(dir)
	if err != nil {
		return nil, err
	}
	k.retired = retired
	return k, nil
}

func (k *Keyring) loadSSH() error {
	data, err := os.ReadFile(k.path(sshKeyFile))
	if os.IsNotExist(err) {
		key, err := newSSHKey()
		if err != nil {
			return err
		}
		k.sshKey = key
		return writeSSHKey(k.dir, key)
	}
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	k.sshKey, err = parseSSHKey(data)
	if err != nil {
		return err
	}
	if _, err := os.Stat(k.path(sshPubFile)); os.IsNotExist(err) {
		return writeFile(k.dir, sshPubFile, authorizedKey(k.sshKey))
	}
	return nil
}

func (k *Keyring) loadPDF() error {
	keyPEM, keyErr := os.ReadFile(k.path(pdfKeyFile))
	certPEM, certErr := os.ReadFile(k.path(pdfCertFile))
	switch {
	case os.IsNotExist(keyErr) && os.IsNotExist(certErr):
		key, cert, err := newPDFKey(k.now())
		if err != nil {
			return err
		}
		k.pdfKey, k.pdfChain = key, []*x509.Certificate{cert}
		return writePDFKey(k.dir, key, k.pdfChain)
	case keyErr != nil:
		return fmt.Errorf("signing: %s: %w", pdfKeyFile, keyErr)
	case certErr != nil:
		return fmt.Errorf("signing: %s: %w", pdfCertFile, certErr)
	}
	key, chain, err := parsePDFKey(keyPEM, certPEM)
	if err != nil {
		return err
	}
	k.pdfKey, k.pdfChain = key, chain
	return nil
}

// Rotate replaces the SSH key, and the PDF key when piaf generated it, keeping the retired
// public key and certificate so reports signed before still verify. An organisation's PDF
// key is left alone: the organisation rotates it by issuing a new one for UsePEM.
func (k *Keyring) Rotate() error {
	sshKey, err := newSSHKey()
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	rotatePDF := isGenerated(k.pdfChain)
	var pdfKey crypto.Signer
	var pdfCert *x509.Certificate
	if rotatePDF {
		if pdfKey, pdfCert, err = newPDFKey(now); err != nil {
			return err
		}
	}

	// Record the retirement first: a crash before the new keys are written then leaves a
	// current key listed twice, never a lost one.
	retired := k.retired.withSSH(k.sshKey.Public().(ed25519.PublicKey), now)
	if rotatePDF {
		retired = retired.withCertificate(k.pdfChain[0], now)
	}
	if err := writeRetired(k.dir, retired); err != nil {
		return err
	}
	if err := writeSSHKey(k.dir, sshKey); err != nil {
		return err
	}
	k.retired, k.sshKey = retired, sshKey
	if rotatePDF {
		chain := []*x509.Certificate{pdfCert}
		if err := writePDFKey(k.dir, pdfKey, chain); err != nil {
			return err
		}
		k.pdfKey, k.pdfChain = pdfKey, chain
	}
	return nil
}

// UsePEM makes the organisation's PDF key and certificate current. certChainPEM holds the
// signing certificate first, then its issuers; the chain is embedded in signed PDFs. The
// certificate it replaces is kept as retired.
func (k *Keyring) UsePEM(keyPEM, certChainPEM []byte) error {
	key, chain, err := parsePDFKey(keyPEM, certChainPEM)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	retired := k.retired
	if !chain[0].Equal(k.pdfChain[0]) {
		retired = retired.withCertificate(k.pdfChain[0], k.now())
	}
	if err := writeRetired(k.dir, retired); err != nil {
		return err
	}
	if err := writePDFKey(k.dir, key, chain); err != nil {
		return err
	}
	k.retired, k.pdfKey, k.pdfChain = retired, key, chain
	return nil
}

// String and GoString keep private keys out of logs that print a Keyring with %v or %#v.
func (k *Keyring) String() string   { return "signing.Keyring(" + k.dir + ")" }
func (k *Keyring) GoString() string { return k.String() }

func (k *Keyring) path(name string) string { return k.dir + string(os.PathSeparator) + name }

// SSHKey is a public key that signs or signed Markdown reports.
type SSHKey struct {
	PublicKey   ssh.PublicKey
	Fingerprint string    // "SHA256:..." as ssh-keygen prints it
	Retired     time.Time // zero for the current key
}

// AuthorizedKey returns the key as an authorized_keys line.
func (s SSHKey) AuthorizedKey() []byte { return ssh.MarshalAuthorizedKey(s.PublicKey) }

// SSHKeys returns the current key first, then the retired ones, oldest first.
func (k *Keyring) SSHKeys() []SSHKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	current, _ := ssh.NewPublicKey(k.sshKey.Public())
	keys := []SSHKey{{PublicKey: current, Fingerprint: ssh.FingerprintSHA256(current)}}
	for _, r := range k.retired.SSH {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(r.PublicKey))
		if err != nil || ssh.FingerprintSHA256(pub) == keys[0].Fingerprint {
			continue // checked by readRetired; a duplicate is left from an interrupted Rotate
		}
		keys = append(keys, SSHKey{PublicKey: pub, Fingerprint: ssh.FingerprintSHA256(pub), Retired: r.Retired})
	}
	return keys
}

// SSHPublicKeys returns every key, current and retired, whose signatures VerifySSH should accept.
func (k *Keyring) SSHPublicKeys() []ssh.PublicKey {
	var keys []ssh.PublicKey
	for _, s := range k.SSHKeys() {
		keys = append(keys, s.PublicKey)
	}
	return keys
}

// AuthorizedKey returns the current SSH public key as an authorized_keys line.
func (k *Keyring) AuthorizedKey() []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return authorizedKey(k.sshKey)
}

// Certificate is a certificate that signs or signed PDF reports.
type Certificate struct {
	Cert        *x509.Certificate
	Fingerprint string    // SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` prints it
	Retired     time.Time // zero for the current certificate
}

// PEM returns the certificate alone, PEM-encoded.
func (c Certificate) PEM() []byte { return encodeCertificates([]*x509.Certificate{c.Cert}) }

// Certificates returns the current signing certificate first, then the retired ones.
func (k *Keyring) Certificates() []Certificate {
	k.mu.RLock()
	defer k.mu.RUnlock()
	certs := []Certificate{{Cert: k.pdfChain[0], Fingerprint: CertFingerprint(k.pdfChain[0])}}
	for _, r := range k.retired.Certificates {
		cert, err := parseCertificatePEM([]byte(r.PEM))
		if err != nil || cert.Equal(certs[0].Cert) {
			continue
		}
		certs = append(certs, Certificate{Cert: cert, Fingerprint: CertFingerprint(cert), Retired: r.Retired})
	}
	return certs
}

// TrustedCertificates returns every certificate, current and retired, for VerifyPDF.
func (k *Keyring) TrustedCertificates() []*x509.Certificate {
	var certs []*x509.Certificate
	for _, c := range k.Certificates() {
		certs = append(certs, c.Cert)
	}
	return certs
}

// CertificatePEM returns the current signing certificate and its chain, as in pdf-cert.pem.
func (k *Keyring) CertificatePEM() []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return encodeCertificates(k.pdfChain)
}
