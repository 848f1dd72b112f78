package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/templates"
)

// keysView lists the signing keys for the settings page: fingerprints only, never a private key.
func (s *Server) keysView() (templates.KeysView, error) {
	keys, err := s.wf.Keys()
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
	v.Identity = s.wf.SignerIdentity()
	return v, nil
}

func (s *Server) adminRotateKeys(c echo.Context) error {
	if err := s.wf.RotateKeys(c.Request().Context(), s.actor(c)); err != nil {
		return err
	}
	s.flash(c, "New signing keys made. Reports signed before still verify: their keys stay listed.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings#keys")
}
