package signing

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Namespace is the SSHSIG namespace of piaf reports; a signature made for another purpose
// with the same key does not verify as a report.
const Namespace = "piaf-report"

// AllowedSigners returns an ssh-keygen allowed_signers file naming identity for the current
// SSH key and every retired one, so `ssh-keygen -Y verify -f allowed_signers -I identity
// -n piaf-report` accepts old reports too.
//
// Retired keys carry no valid-before option: SSHSIG has no signing time, so ssh-keygen checks
// valid-before against the time of verification and would reject every old report unless the
// auditor passes -Overify-time. A comment above each retired key gives its retirement time and
// the option to add for those who prefer that.
//
// Characters ssh-keygen would read as separators or patterns are replaced by "_" in identity;
// check it once with ValidIdentity.
func (k *Keyring) AllowedSigners(identity string) []byte {
	principal := strings.Map(func(r rune) rune {
		if identityRuneOK(r) {
			return r
		}
		return '_'
	}, identity)
	if principal == "" || principal[0] == '#' {
		principal = "_" + principal
	}
	var buf bytes.Buffer
	for _, key := range k.SSHKeys() {
		if !key.Retired.IsZero() {
			at := key.Retired.UTC()
			fmt.Fprintf(&buf, "# retired %s; to refuse later signatures add valid-before=\"%s\"\n",
				at.Format("2006-01-02 15:04:05 UTC"), at.Format("20060102150405Z"))
		}
		fmt.Fprintf(&buf, "%s namespaces=%q %s", principal, Namespace, key.AuthorizedKey())
	}
	return buf.Bytes()
}

// ValidIdentity reports whether identity can stand as a principal in allowed_signers as it is:
// one word, such as an e-mail address, without quotes, commas or wildcards.
func ValidIdentity(identity string) error {
	if identity == "" {
		return errors.New("signing: the signer identity is empty")
	}
	if identity[0] == '#' {
		return errors.New("signing: the signer identity may not start with #")
	}
	for _, r := range identity {
		if !identityRuneOK(r) {
			return fmt.Errorf("signing: the signer identity %q may not contain %q", identity, r)
		}
	}
	return nil
}

func identityRuneOK(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.IsControl(r) && !strings.ContainsRune(`",*?!`, r)
}
