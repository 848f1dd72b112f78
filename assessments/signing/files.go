package signing

import (
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"
)

// writeFile replaces dir/name atomically with a file of mode 0600, so a crash never leaves a
// half-written key and the old content is gone once the new one is in place.
func writeFile(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("signing: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("signing: writing %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("signing: writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("signing: writing %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	return nil
}

// tightenPermissions makes the folder 0700 and its key files 0600, also when an admin copied
// files in with looser modes (ssh-keygen refuses such a private key anyway).
func tightenPermissions(dir string) error {
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	for _, name := range []string{sshKeyFile, sshPubFile, pdfKeyFile, pdfCertFile, retiredFile} {
		err := os.Chmod(filepath.Join(dir, name), 0o600)
		if err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("signing: %w", err)
		}
	}
	return nil
}

func writeSSHKey(dir string, key ed25519.PrivateKey) error {
	block, err := ssh.MarshalPrivateKey(key, "piaf report signing")
	if err != nil {
		return fmt.Errorf("signing: encoding SSH key: %w", err)
	}
	if err := writeFile(dir, sshKeyFile, pem.EncodeToMemory(block)); err != nil {
		return err
	}
	return writeFile(dir, sshPubFile, authorizedKey(key))
}

func writePDFKey(dir string, key crypto.Signer, chain []*x509.Certificate) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("signing: encoding PDF key: %w", err)
	}
	if err := writeFile(dir, pdfKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		return err
	}
	return writeFile(dir, pdfCertFile, encodeCertificates(chain))
}

// retiredKeys is the content of retired.json: public halves only.
type retiredKeys struct {
	SSH          []retiredSSH  `json:"ssh"`
	Certificates []retiredCert `json:"certificates"`
}

type retiredSSH struct {
	PublicKey string    `json:"public_key"` // authorized_keys line
	Retired   time.Time `json:"retired"`
}

type retiredCert struct {
	PEM     string    `json:"pem"`
	Retired time.Time `json:"retired"`
}

func readRetired(dir string) (retiredKeys, error) {
	var r retiredKeys
	data, err := os.ReadFile(filepath.Join(dir, retiredFile))
	if os.IsNotExist(err) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("signing: %w", err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("signing: %s: %w", retiredFile, err)
	}
	for i, s := range r.SSH {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.PublicKey)); err != nil {
			return r, fmt.Errorf("signing: %s: ssh key %d: %w", retiredFile, i+1, err)
		}
	}
	for i, c := range r.Certificates {
		if _, err := parseCertificatePEM([]byte(c.PEM)); err != nil {
			return r, fmt.Errorf("signing: %s: certificate %d: %w", retiredFile, i+1, err)
		}
	}
	return r, nil
}

func writeRetired(dir string, r retiredKeys) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	return writeFile(dir, retiredFile, append(data, '\n'))
}

// withSSH returns a copy of r with pub added; r itself stays as it was until the file is written.
func (r retiredKeys) withSSH(pub ed25519.PublicKey, at time.Time) retiredKeys {
	sshPub, _ := ssh.NewPublicKey(pub)
	line := string(ssh.MarshalAuthorizedKey(sshPub))
	r.SSH = append(r.SSH[:len(r.SSH):len(r.SSH)], retiredSSH{PublicKey: line[:len(line)-1], Retired: at.UTC()})
	return r
}

func (r retiredKeys) withCertificate(cert *x509.Certificate, at time.Time) retiredKeys {
	entry := retiredCert{PEM: string(encodeCertificates([]*x509.Certificate{cert})), Retired: at.UTC()}
	r.Certificates = append(r.Certificates[:len(r.Certificates):len(r.Certificates)], entry)
	return r
}
