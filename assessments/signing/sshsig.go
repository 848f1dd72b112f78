package signing

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// The SSHSIG format is OpenSSH's PROTOCOL.sshsig, as written by `ssh-keygen -Y sign`.
const (
	sshsigMagic   = "SSHSIG"
	sshsigVersion = 1
	sshsigBegin   = "-----BEGIN SSH SIGNATURE-----"
	sshsigEnd     = "-----END SSH SIGNATURE-----"
	armorWidth    = 70 // ssh-keygen's line length
)

var (
	// ErrSSHSignatureInvalid means the signature does not match the message (or namespace).
	ErrSSHSignatureInvalid = errors.New("signing: the SSH signature does not match the message")
	// ErrSSHSignerUnknown means the signature is sound but made by a key not in the allowed list.
	ErrSSHSignerUnknown = errors.New("signing: the SSH signature was made by a key that is not allowed")
)

// sshsigBlob is the signature blob after the magic preamble.
type sshsigBlob struct {
	Version       uint32
	PublicKey     []byte
	Namespace     string
	Reserved      string
	HashAlgorithm string
	Signature     []byte
}

// signedData is what the key actually signs: the magic preamble, then this, marshalled.
type signedData struct {
	Namespace     string
	Reserved      string
	HashAlgorithm string
	Hash          []byte
}

// SignSSH returns an armored detached SSHSIG signature of message made with the current
// Ed25519 key, hashed with SHA-512, as `ssh-keygen -Y sign -n namespace` would make it.
func (k *Keyring) SignSSH(message []byte, namespace string) ([]byte, error) {
	if namespace == "" {
		return nil, errors.New("signing: an SSH signature needs a namespace")
	}
	k.mu.RLock()
	signer, err := ssh.NewSignerFromKey(k.sshKey)
	k.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	hash := sha512.Sum512(message)
	sig, err := signer.Sign(rand.Reader, sshsigSignedData(namespace, "sha512", hash[:]))
	if err != nil {
		return nil, fmt.Errorf("signing: SSH signature: %w", err)
	}
	blob := append([]byte(sshsigMagic), ssh.Marshal(sshsigBlob{
		Version:       sshsigVersion,
		PublicKey:     signer.PublicKey().Marshal(),
		Namespace:     namespace,
		HashAlgorithm: "sha512",
		Signature:     ssh.Marshal(sig),
	})...)
	return armor(blob), nil
}

// VerifySSH checks an armored SSHSIG signature of message in namespace and returns the key,
// one of allowed, that made it. With ErrSSHSignerUnknown it returns the signer's key, which
// is then not to be trusted but can still be named.
func VerifySSH(message, armoredSig []byte, namespace string, allowed []ssh.PublicKey) (ssh.PublicKey, error) {
	blob, err := dearmor(armoredSig)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(blob, []byte(sshsigMagic)) {
		return nil, errors.New("signing: not an SSHSIG signature")
	}
	var b sshsigBlob
	if err := ssh.Unmarshal(blob[len(sshsigMagic):], &b); err != nil {
		return nil, fmt.Errorf("signing: malformed SSH signature: %w", err)
	}
	if b.Version != sshsigVersion {
		return nil, fmt.Errorf("signing: SSH signature version %d is not supported", b.Version)
	}
	if b.Namespace != namespace {
		return nil, fmt.Errorf("%w: made for namespace %q, not %q", ErrSSHSignatureInvalid, b.Namespace, namespace)
	}
	var hash []byte
	switch b.HashAlgorithm {
	case "sha512":
		h := sha512.Sum512(message)
		hash = h[:]
	case "sha256":
		h := sha256.Sum256(message)
		hash = h[:]
	default:
		return nil, fmt.Errorf("signing: SSH signature hash %q is not supported", b.HashAlgorithm)
	}
	pub, err := ssh.ParsePublicKey(b.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("signing: SSH signature key: %w", err)
	}
	var sig ssh.Signature
	if err := ssh.Unmarshal(b.Signature, &sig); err != nil {
		return nil, fmt.Errorf("signing: malformed SSH signature: %w", err)
	}
	if sig.Format == ssh.KeyAlgoRSA { // RSA with SHA-1, which ssh-keygen refuses too
		return nil, errors.New("signing: SSH signatures with ssh-rsa (SHA-1) are not accepted")
	}
	if err := pub.Verify(sshsigSignedData(b.Namespace, b.HashAlgorithm, hash), &sig); err != nil {
		return nil, ErrSSHSignatureInvalid
	}
	for _, a := range allowed {
		if bytes.Equal(a.Marshal(), pub.Marshal()) {
			return a, nil
		}
	}
	return pub, ErrSSHSignerUnknown
}

func sshsigSignedData(namespace, hashAlgorithm string, hash []byte) []byte {
	return append([]byte(sshsigMagic), ssh.Marshal(signedData{
		Namespace:     namespace,
		HashAlgorithm: hashAlgorithm,
		Hash:          hash,
	})...)
}

func armor(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var buf bytes.Buffer
	buf.WriteString(sshsigBegin + "\n")
	for len(enc) > armorWidth {
		buf.WriteString(enc[:armorWidth] + "\n")
		enc = enc[armorWidth:]
	}
	buf.WriteString(enc + "\n" + sshsigEnd + "\n")
	return buf.Bytes()
}

func dearmor(armored []byte) ([]byte, error) {
	s := strings.TrimSpace(string(armored))
	body, ok := strings.CutPrefix(s, sshsigBegin)
	if ok {
		body, ok = strings.CutSuffix(body, sshsigEnd)
	}
	if !ok {
		return nil, errors.New("signing: not an armored SSH signature")
	}
	blob, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		return nil, fmt.Errorf("signing: malformed SSH signature: %w", err)
	}
	return blob, nil
}
