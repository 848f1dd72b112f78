package web

import (
	"crypto/subtle"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/store"

	"github.com/labstack/echo/v4"
)

// Streamed uploads (PII samples, leak-test files) are read part by part straight into the code
// that uses them: never parsed whole into memory or spilled to temporary files, as
// ParseMultipartForm would. So their routes check CSRF here rather than in the csrf middleware,
// which reads the whole form to find the token.

const (
	maxStreamFields    = 40
	maxStreamFieldSize = 16 << 10
	// minUploadRate is the slowest upload piaf waits for: the read deadline of a streamed upload
	// is its limit at this rate, plus a minute.
	minUploadRate = 256 << 10
)

// streamCSRF settles the CSRF token of a streamed upload as the csrf middleware does (bound to
// the session once signed in) and refuses cross-site requests; streamParts then checks that the
// request echoes the token, in the X-CSRF-Token header or as the first part of the form.
func (s *Server) streamCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := authFrom(c)
		if a.viaAPI {
			return next(c)
		}
		if err := s.crossOrigin.Check(c.Request()); err != nil {
			s.auditRefusal(c, store.AuditCSRFRefused, map[string]any{"reason": "cross-origin"})
			return errCSRF
		}
		switch {
		case a.session != "":
			a.csrf = sessionCSRF(a.session)
		default:
			ck, err := s.cookie(c, csrfCookie)
			if err != nil || len(ck.Value) != 43 {
				return errCSRF
			}
			a.csrf = ck.Value
		}
		return next(c)
	}
}

// allowSlowUpload lifts the server's read and write timeouts for this request to what an upload
// of limit bytes needs at minUploadRate.
func allowSlowUpload(c echo.Context, limit int64) {
	d := time.Minute + time.Duration(limit/minUploadRate)*time.Second
	rc := http.NewResponseController(c.Response())
	// Servers that do not support deadlines (httptest's recorder) have nothing to lift.
	_ = rc.SetReadDeadline(time.Now().Add(d))
	_ = rc.SetWriteDeadline(time.Now().Add(d + time.Minute))
}

// fileHandler receives one file part of a streamed form with the fields read before it.
type fileHandler func(field, filename string, r io.Reader, before url.Values) error

// streamParts reads a multipart form part by part: small fields are collected (bounded in number
// and size), file parts go to onFile as they arrive. Browsers send the parts in the form's order,
// so forms put their fields before their files. A browser request must echo the CSRF token in the
// header or as the first part.
func (s *Server) streamParts(c echo.Context, onFile fileHandler) (url.Values, error) {
	a := authFrom(c)
	verified := a.viaAPI
	if sent := c.Request().Header.Get(csrfHeader); !verified && sent != "" {
		if subtle.ConstantTimeCompare([]byte(sent), []byte(a.csrf)) != 1 {
			return nil, errCSRF
		}
		verified = true
	}
	mr, err := multipartReader(c.Request())
	if err != nil {
		return nil, err
	}
	values := url.Values{}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, bodyError(err, "the form could not be read: "+err.Error())
		}
		name := part.FormName()
		if !verified {
			if name != csrfField || n > 0 {
				return nil, errCSRF
			}
			b, err := io.ReadAll(io.LimitReader(part, 128))
			if err != nil || subtle.ConstantTimeCompare(b, []byte(a.csrf)) != 1 {
				return nil, errCSRF
			}
			verified = true
			continue
		}
		if part.FileName() != "" || isFileField(part) {
			if err := onFile(name, part.FileName(), part, values); err != nil {
				return nil, err
			}
			// Whatever the handler left unread is drained by NextPart.
			continue
		}
		if n > maxStreamFields {
			return nil, apiErr(http.StatusRequestEntityTooLarge, "the form has too many fields", name)
		}
		b, err := io.ReadAll(io.LimitReader(part, maxStreamFieldSize+1))
		if err != nil {
			return nil, bodyError(err, "the form could not be read")
		}
		if len(b) > maxStreamFieldSize {
			return nil, apiErr(http.StatusRequestEntityTooLarge, "the field "+name+" is too long", name)
		}
		values.Add(name, string(b))
	}
	if !verified {
		return nil, errCSRF
	}
	return values, nil
}

// isFileField tells a file part sent without a file name (an empty file input) from a field.
func isFileField(p *multipart.Part) bool {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return false
	}
	_, ok := params["filename"]
	return ok
}

func multipartReader(r *http.Request) (*multipart.Reader, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, apiErr(http.StatusUnsupportedMediaType, "send the form as multipart/form-data", "")
	}
	return multipart.NewReader(r.Body, params["boundary"]), nil
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// bodyError keeps the 413 of an over-long body, and makes other read errors a 400.
func bodyError(err error, msg string) error {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return errTooLarge
	}
	return apiErr(http.StatusBadRequest, msg, "")
}

// fieldList splits a comma-separated list of names, dropping blanks.
func fieldList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
