package workflow

import (
	"context"
	"errors"
	"time"

	"github.com/piaf-dev/piaf/assessments/signing"
	"github.com/piaf-dev/piaf/store"
)

// Keys loads the signing keys from the keys folder on first use (creating them on a new
// instance), so that starting the server and running tests stay fast.
func (s *Service) Keys() (*signing.Keyring, error) {
	s.keysOnce.Do(func() {
		if s.cfg.KeysDir == "" {
			s.keysErr = errors.New("no folder for signing keys is configured")
			return
		}
		s.keys, s.keysErr = signing.Load(s.cfg.KeysDir, func() time.Time { return s.now() })
	})
	return s.keys, s.keysErr
}

// SignerIdentity names piaf in allowed_signers and ssh-keygen -Y verify -I.
func (s *Service) SignerIdentity() string {
	if s.cfg.SignerIdentity != "" {
		return s.cfg.SignerIdentity
	}
	return "piaf-reports"
}

// RotateKeys replaces the signing keys; the old public keys stay listed so old reports still
// verify. Only an admin may.
func (s *Service) RotateKeys(ctx context.Context, who Actor) error {
	if who.User == nil || !who.User.IsAdmin {
		return ErrForbidden
	}
	keys, err := s.Keys()
	if err != nil {
		return err
	}
	// The keys live in files, outside the transaction: the entry is written first and the
	// rotation happens before it commits, so a failed rotation leaves no entry and an entry that
	// cannot be written leaves the keys as they were.
	return s.store.Atomic(ctx, func(st *store.Store) error {
		if err := st.Audit(ctx, event(who, store.AuditKeyChange, "keys", map[string]any{"action": "rotate"})); err != nil {
			return err
		}
		return keys.Rotate()
	})
}

// EnsureKeys loads the signing keys, making them on a new instance, and returns their public
// fingerprints for the log.
func (s *Service) EnsureKeys() ([]string, error) {
	keys, err := s.Keys()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range keys.SSHKeys() {
		if k.Retired.IsZero() {
			out = append(out, "ssh "+k.Fingerprint)
		}
	}
	for _, c := range keys.Certificates() {
		if c.Retired.IsZero() {
			out = append(out, "certificate "+c.Fingerprint)
		}
	}
	return out, nil
}
