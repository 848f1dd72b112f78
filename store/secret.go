package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// newSecret returns a random URL-safe token with 256 bits of entropy.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error (crypto/rand documents this)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is what the database keeps of a token: a leaked database must not hand out
// sessions, links or API access.
func hashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
