package web

import (
	"io"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/pii"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

// piiUploadResult is the answer to a streamed PII sample: the record attached and the scan's
// summary (counts only).
type piiUploadResult struct {
	Evidence *assessments.Evidence `json:"evidence"`
	Summary  pii.Summary           `json:"summary"`
}

// apiUploadPIISample scans the request body (raw, or the "file" part of a multipart form) as a
// sample of the stage and format given as query parameters, and attaches the summary.
func (s *Server) apiUploadPIISample(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.wf.CanAttachEvidence(ctx, s.actor(c), id); err != nil {
		return err
	}
	q := c.QueryParams()
	sample := workflow.PIISample{Stage: q.Get("stage"), Limit: s.uploadLimit(),
		Options: pii.Options{Format: q.Get("format"), Fields: fieldList(q.Get("fields")), Columns: fieldList(q.Get("columns"))}}
	if err := sample.Validate(); err != nil {
		return err
	}
	allowSlowUpload(c, s.uploadLimit())
	var res *piiUploadResult
	attach := func(r io.Reader) error {
		e, sum, err := s.wf.AttachPIISample(ctx, s.actor(c), id, sample, r)
		if err != nil {
			return err
		}
		res = &piiUploadResult{Evidence: e, Summary: sum}
		return nil
	}
	if isMultipart(c.Request()) {
		_, err = s.streamParts(c, func(field, _ string, r io.Reader, _ url.Values) error {
			if field != "file" || res != nil {
				return nil
			}
			return attach(r)
		})
		if err == nil && res == nil {
			err = workflow.Invalid("file", "send the sample as the part named file")
		}
	} else {
		err = attach(c.Request().Body)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}
