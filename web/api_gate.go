package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/manifest"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

// apiGateVerdict is the gate's answer, as cmd/piaf/gate.go reads it.
type apiGateVerdict struct {
	Allowed          bool                     `json:"allowed"`
	Reasons          []assessments.GateReason `json:"reasons"`
	Assessment       *int64                   `json:"assessment"`
	ApprovedRevision int                      `json:"approved_revision,omitempty"`
	StateHash        string                   `json:"state_hash,omitempty"`
	NextReviewAt     string                   `json:"next_review_at,omitempty"`
	Report           string                   `json:"report,omitempty"`
	ManifestDigest   string                   `json:"manifest_digest,omitempty"`
	NewFiles         []manifest.Entry         `json:"new_files,omitempty"`
	Check            int64                    `json:"check"`
}

// apiGate answers GET /api/v1/projects/{id}/gate[?manifest=<digest>] and POST with a run
// manifest as the body.
func (s *Server) apiGate(c echo.Context) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in workflow.GateInput
	if c.Request().Method == http.MethodPost {
		m, err := readManifest(c)
		if err != nil {
			return err
		}
		in.Manifest = m
	} else {
		in.Digest = c.QueryParam("manifest")
	}
	v, err := s.wf.Gate(c.Request().Context(), s.actor(c), id, in)
	if err != nil {
		return err
	}
	out := apiGateVerdict{Allowed: v.Allowed, Reasons: v.Reasons, ApprovedRevision: v.ApprovedRevision, StateHash: v.StateHash,
		NextReviewAt: v.NextReviewAt, Report: v.ReportURL, ManifestDigest: v.ManifestDigest, NewFiles: v.NewFiles, Check: v.CheckID}
	if out.Reasons == nil {
		out.Reasons = []assessments.GateReason{}
	}
	if v.Assessment != nil {
		out.Assessment = &v.Assessment.ID
	}
	return c.JSON(http.StatusOK, out)
}

// readManifest reads a run manifest body ('piaf manifest --json' output).
func readManifest(c echo.Context) (*manifest.Manifest, error) {
	if ct := c.Request().Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, apiErr(http.StatusUnsupportedMediaType, "send the manifest as application/json", "")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, manifest.MaxBytes+1))
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) || len(body) > manifest.MaxBytes {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(body)
	if err != nil {
		return nil, workflow.Invalid("manifest", strings.TrimPrefix(err.Error(), "manifest: "))
	}
	return &m, nil
}

// apiAttachManifest attaches a run manifest to an assessment as evidence:
// POST /api/v1/assessments/{id}/manifests[?label=...].
func (s *Server) apiAttachManifest(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	m, err := readManifest(c)
	if err != nil {
		return err
	}
	e, err := s.wf.AttachManifest(c.Request().Context(), s.actor(c), id, *m, c.QueryParam("label"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/assessments/"+strconv.FormatInt(id, 10)+"/evidence/"+e.ID)
	return c.JSON(http.StatusCreated, e)
}

// apiPipelineToken is a pipeline token as the API lists it; the secret only at creation.
type apiPipelineToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Project    int64      `json:"project"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Token      string     `json:"token,omitempty"`
}

func toAPIPipelineToken(t *assessments.APIToken) apiPipelineToken {
	return apiPipelineToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Project: t.ProjectID, CreatedBy: t.UserName, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

func (s *Server) apiPipelineTokens(c echo.Context) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.wf.PipelineTokens(c.Request().Context(), s.actor(c), id)
	if err != nil {
		return err
	}
	out := make([]apiPipelineToken, 0, len(list))
	for _, t := range list {
		out = append(out, toAPIPipelineToken(t))
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": out})
}

func (s *Server) apiCreatePipelineToken(c echo.Context) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
		Days int    `json:"days"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, secret, err := s.wf.CreatePipelineToken(c.Request().Context(), s.actor(c), id, workflow.PipelineTokenInput{Name: in.Name, Days: in.Days})
	if err != nil {
		return err
	}
	out := toAPIPipelineToken(t)
	out.Token = secret
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiRevokePipelineToken(c echo.Context) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	tokenID, err := paramID(c, "token")
	if err != nil {
		return err
	}
	if err := s.wf.RevokePipelineToken(c.Request().Context(), s.actor(c), id, tokenID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
