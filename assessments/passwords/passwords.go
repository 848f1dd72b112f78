// Package passwords holds piaf's password policy and the argon2id hashes accounts keep.
package passwords

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// MinLength is the shortest password piaf accepts. Length beats composition rules.
const MinLength = 12

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

//go:embed common-passwords.txt
var commonPasswordsText []byte

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// CheckPolicy explains why a password is not acceptable, or returns nil.
func CheckPolicy(password, email string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinLength:
		return fmt.Errorf("use at least %d characters", MinLength)
	case n > 256:
		return errors.New("use at most 256 characters")
	case commonPasswords[strings.ToLower(password)] || isRepetitive(password):
		return errors.New("this password is too common; choose another")
	case email != "" && strings.Contains(strings.ToLower(password), strings.ToLower(strings.Split(email, "@")[0])) && len(strings.Split(email, "@")[0]) >= 4:
		return errors.New("do not use your email address in your password")
	}
	return nil
}

// isRepetitive catches "aaaaaaaaaaaa" and "abcabcabcabc": long but trivially guessed.
func isRepetitive(p string) bool {
	for size := 1; size <= 4 && size < len(p); size++ {
		if strings.Repeat(p[:size], len(p)/size+1)[:len(p)] == p {
			return true
		}
	}
	return false
}

// Hash returns an argon2id hash in the usual PHC string format.
func Hash(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// dummyHash is checked against when an account does not exist, so that answering takes as long
// as for a real account and timing does not tell which emails have accounts.
var dummyHash = Hash("piaf-no-such-account")

// Matches tells whether password matches hash. An empty hash (invited, no password yet)
// never matches.
func Matches(hash, password string) bool {
	if hash == "" {
		hash = dummyHash
		password += "\x00"
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var memory uint32
	var time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
