package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// keysView lists the signing keys for the settings page: fingerprints only, never a private key.
func (s *Server) keysView() (templates.KeysView, error) {
	keys, err := s.keys()
	if err != nil {
		return templates.KeysView{}, err
	}
	var v templates.KeysView
	for _, k := range keys.SSHKeys() {
		v.SSH = append(v.SSH, templates.KeyLine{Fingerprint: k.Fingerprint, Retired: k.Retired})
	}
	for _, c := range keys.Certificates() {
		v.Certificates = append(v.Certificates, templates.KeyLine{Fingerprint: c.Fingerprint, Subject: c.Cert.Subject.String(),
			Retired: c.Retired, NotAfter: c.Cert.NotAfter})
	}
	v.Identity = s.signerIdentity()
	return v, nil
}

// RotateKeys replaces the signing keys; the old public keys stay listed so old reports still
// verify.
func (s *Server) RotateKeys() error {
	keys, err := s.keys()
	if err != nil {
		return err
	}
	return keys.Rotate()
}

func (s *Server) adminRotateKeys(c echo.Context) error {
	if err := s.RotateKeys(); err != nil {
		return err
	}
	s.audit(c, store.AuditKeyChange, "keys", map[string]any{"action": "rotate"})
	s.flash(c, "New signing keys made. Reports signed before still verify: their keys stay listed.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings#keys")
}

// EnsureKeys loads the signing keys, making them on a new instance, and returns their public
// fingerprints for the log.
func (s *Server) EnsureKeys() ([]string, error) {
	keys, err := s.keys()
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
