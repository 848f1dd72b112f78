package workflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/datefmt"
	"github.com/piaf-dev/piaf/assessments/signing"
	"github.com/piaf-dev/piaf/store"
)

var (
	markdownHash = regexp.MustCompile("Revision SHA-256:\\*\\* `([0-9a-f]{64})`")
	pdfHash      = regexp.MustCompile(`SHA-256 ([0-9a-f]{64})`)
)

// Verify checks a report: a Markdown file with its detached SSH signature, or a signed PDF.
func (s *Service) Verify(ctx context.Context, file, sig []byte) (assessments.VerifyResult, error) {
	var res assessments.VerifyResult
	keys, err := s.Keys()
	if err != nil {
		return res, err
	}
	hash := ""
	if bytes.HasPrefix(file, []byte("%PDF-")) {
		res.Kind = "PDF"
		pr, err := signing.VerifyPDFContext(ctx, file, keys.TrustedCertificates())
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			res.Problem = "Checking this file took longer than piaf allows; a piaf report is checked in well under a second."
		case err != nil:
			res.Problem = "The PDF carries no readable signature: " + err.Error()
		case !pr.Valid:
			res.Problem = pr.Problem
			if res.Problem == "" {
				res.Problem = "The signature does not match the document, or was not made by this instance's keys."
			}
		default:
			res.Valid = true
			res.Signer = "certificate " + signing.CertFingerprint(pr.Trusted) + " (" + pr.Trusted.Subject.CommonName + ")"
			res.SignedAt = pr.SignedAt
		}
		if err == nil {
			if m := pdfHash.FindStringSubmatch(pr.Reason); m != nil {
				hash = m[1]
			}
		}
		if hash == "" {
			sum := sha256.Sum256(file)
			if e, err := s.store.ExportBySHA256(ctx, hex.EncodeToString(sum[:])); err == nil {
				hash = e.StateHash
			}
		}
	} else {
		res.Kind = "Markdown"
		if len(sig) == 0 {
			res.Problem = "A Markdown report is checked with its detached signature (the .md.sig file)."
		} else if key, err := signing.VerifySSH(file, sig, signing.Namespace, keys.SSHPublicKeys()); err != nil {
			res.Problem = "The signature does not match the report: " + err.Error()
			if errors.Is(err, signing.ErrSSHSignerUnknown) {
				res.Problem = "The report was signed by a key this instance does not know."
			}
		} else {
			res.Valid = true
			res.Signer = "SSH key " + sshFingerprint(keys, key)
		}
		if m := markdownHash.FindSubmatch(file); m != nil {
			hash = string(m[1])
		}
	}
	res.StateHash = hash
	if hash == "" || !res.Valid {
		return res, nil
	}
	id, number, err := s.store.RevisionByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	a, err := s.store.Assessment(ctx, id)
	if err != nil {
		return res, err
	}
	p, err := s.store.Project(ctx, a.ProjectID)
	if err != nil {
		return res, err
	}
	events, err := s.store.ReviewEvents(ctx, a.ID)
	if err != nil {
		return res, err
	}
	res.Known, res.Project, res.AssessmentID, res.Cycle, res.Revision = true, p.Name, a.ID, a.Cycle, number
	for _, e := range events {
		if e.Kind == assessments.ReviewApprove && e.Revision == number {
			res.Approved, res.ApprovedBy, res.ApprovedAt = true, e.UserEmail, e.CreatedAt
			if e.UserName != "" {
				res.ApprovedBy = e.UserName
			}
		}
	}
	return res, nil
}

func sshFingerprint(keys *signing.Keyring, used interface{ Marshal() []byte }) string {
	for _, k := range keys.SSHKeys() {
		if bytes.Equal(k.PublicKey.Marshal(), used.Marshal()) {
			if !k.Retired.IsZero() {
				return k.Fingerprint + " (retired " + datefmt.Date(k.Retired, nil) + ", valid for reports signed before)"
			}
			return k.Fingerprint
		}
	}
	return "unknown"
}
