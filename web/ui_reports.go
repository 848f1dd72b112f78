package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/markdown"
	"github.com/piaf-dev/piaf/assessments/report"
	"github.com/piaf-dev/piaf/templates"
)

// queryRevision reads the revision query parameter: empty is the current revision (0);
// anything but a revision number is refused.
func queryRevision(c echo.Context) (int, error) {
	v := c.QueryParam("revision")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, apiErr(http.StatusBadRequest, "revision must be a revision number", "revision")
	}
	return n, nil
}

// download serves a report format as a file (workflow.ExportReport: recorded and audited).
func (s *Server) download(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		_, a, _, err := s.assessmentAccess(c, actView)
		if err != nil {
			return err
		}
		number, err := queryRevision(c)
		if err != nil {
			return err
		}
		f, err := s.wf.ExportReport(c.Request().Context(), s.actor(c), a.ID, format, number)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Content-Disposition", `attachment; filename="`+f.Name+`"`)
		return c.Blob(http.StatusOK, f.ContentType, f.Body)
	}
}

// exportsPerPage is how many exports the report page lists; older ones are a link away.
const exportsPerPage = 20

// reportPreview shows the Markdown report rendered as HTML, with the downloads.
func (s *Server) reportPreview(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	number, err := queryRevision(c)
	if err != nil {
		return err
	}
	r, _, err := s.wf.Report(c.Request().Context(), s.actor(c), a.ID, number)
	if err != nil {
		return err
	}
	exportsBefore, err := queryCount(c, "exports_before")
	if err != nil {
		return err
	}
	exports, older, err := s.store.ExportPage(c.Request().Context(), a.ID, exportsBefore, exportsPerPage)
	if err != nil {
		return err
	}
	v := templates.ReportView{AssessmentView: s.assessmentView(acc, a, def), Revision: r.Assessment.Revision, Approved: r.Assessment.Approved,
		Draft: r.Draft(), HTML: markdown.HTML(string(report.Markdown(r))), Exports: exports, OlderExports: older,
		ExportsPaged: exportsBefore > 0, Identity: s.wf.SignerIdentity()}
	if a.Status == assessments.Approved {
		v.ApprovedRevision = a.Revision
	}
	return s.render(c, http.StatusOK, templates.ReportPreview(s.page(c, "Report · "+def.Title, "projects"), v))
}

// Public keys, for anyone verifying a report.

func (s *Server) allowedSigners(c echo.Context) error {
	keys, err := s.wf.Keys()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", keys.AllowedSigners(s.wf.SignerIdentity()))
}

func (s *Server) signingCertificate(c echo.Context) error {
	keys, err := s.wf.Keys()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/x-pem-file", keys.CertificatePEM())
}

func (s *Server) signingSSHKey(c echo.Context) error {
	keys, err := s.wf.Keys()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", keys.AuthorizedKey())
}
