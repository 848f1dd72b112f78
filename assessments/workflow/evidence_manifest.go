package workflow

import (
	"context"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/manifest"
)

func init() { RegisterEvidence(figures.Manifest, manifestEvidence) }

// manifestEvidence attaches a run manifest ('piaf manifest --json' output as params): piaf
// checks it and its digest, keeps it, and records the digest, so the revision that approves the
// assessment covers exactly these files.
func manifestEvidence(ctx context.Context, s *Service, req EvidenceRequest) (assessments.EvidenceInput, error) {
	m, err := manifest.Parse(req.Params)
	if err != nil {
		return assessments.EvidenceInput{}, Invalid("params", strings.TrimPrefix(err.Error(), "manifest: "))
	}
	return s.ManifestEvidence(ctx, m)
}

// AttachManifest attaches a run manifest to an assessment as evidence: the body of
// POST /api/v1/assessments/{id}/manifests, which takes manifests up to manifest.MaxBytes
// where the generic evidence request is smaller.
func (s *Service) AttachManifest(ctx context.Context, who Actor, assessmentID int64, m manifest.Manifest, label string) (*assessments.Evidence, error) {
	if _, _, err := s.editableAssessment(ctx, who, assessmentID); err != nil {
		return nil, err
	}
	in, err := s.ManifestEvidence(ctx, m)
	if err != nil {
		return nil, err
	}
	in.Label = label
	return s.AttachEvidence(ctx, who, assessmentID, in)
}

// Manifest returns a kept manifest named by an evidence record of an assessment the actor may
// view, for reports and pages.
func (s *Service) Manifest(ctx context.Context, who Actor, assessmentID int64, evidenceID string) (*manifest.Manifest, error) {
	_, e, err := s.Evidence(ctx, who, assessmentID, evidenceID)
	if err != nil {
		return nil, err
	}
	d := ManifestDigestOf(e)
	if d == "" {
		return nil, ErrNotFound
	}
	doc, err := s.store.Manifest(ctx, d)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(doc)
	if err != nil {
		return nil, err
	}
	return &m, nil
}
