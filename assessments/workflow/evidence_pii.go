package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/pii"
)

func init() { RegisterEvidence(figures.PII, piiSummaryEvidence) }

// PIISummaryParams are the params of a PII record computed elsewhere: the stage of the sample and
// the summary, as piaf's own `pii scan --json` object (format "piaf") or Presidio analyzer results
// (format "presidio": per-entity counts only; results with the matched text are refused).
type PIISummaryParams struct {
	Stage   string          `json:"stage"`
	Format  string          `json:"format"`
	Summary json.RawMessage `json:"summary"`
}

func piiSummaryEvidence(_ context.Context, _ *Service, req EvidenceRequest) (assessments.EvidenceInput, error) {
	var p PIISummaryParams
	if err := DecodeParams(req.Params, &p); err != nil {
		return assessments.EvidenceInput{}, err
	}
	if req.Label != "" && req.Label != p.Stage {
		return assessments.EvidenceInput{}, Invalid("label", "a PII record's label is its stage: leave it out")
	}
	s, err := ParsePIISummary(p.Format, p.Summary)
	if err != nil {
		return assessments.EvidenceInput{}, err
	}
	return PIIEvidence(p.Stage, s, pii.Options{}, "", assessments.SourcePipeline)
}

// DefaultUploadLimit is how large a sample piaf scans by default: 200 MB.
const DefaultUploadLimit = 200 << 20

// PII sample stages: the same sample scanned before and after anonymisation.
const (
	StageBefore = "before"
	StageAfter  = "after"
)

// KeepOnlyCounts is what every PII record says about the sample it came from.
const KeepOnlyCounts = "piaf keeps only these counts, never the file."

// PIISample is a sample to scan: which stage it shows and how to read it. The content is streamed
// through the scanner and dropped; the record keeps the counts, the options and the file's SHA-256.
type PIISample struct {
	Stage   string      // StageBefore or StageAfter
	Options pii.Options // format, fields, columns
	// Limit bounds the bytes read (before decompression); 0 means DefaultUploadLimit.
	Limit int64
}

// Validate names the field at fault.
func (p PIISample) Validate() error {
	if p.Stage != StageBefore && p.Stage != StageAfter {
		return Invalid("stage", `say whether the sample is from "before" or "after" anonymisation`)
	}
	if err := p.Options.Validate(); err != nil {
		field, msg, _ := strings.Cut(err.Error(), ": ")
		return Invalid(field, msg)
	}
	return nil
}

// ErrSampleTooLarge is returned when a sample is larger than its limit.
type ErrSampleTooLarge struct{ Limit int64 }

func (e *ErrSampleTooLarge) Error() string {
	return fmt.Sprintf("the sample is larger than the upload limit of %s", byteSize(e.Limit))
}

// limitedReader fails with ErrSampleTooLarge once more than limit bytes were read.
type limitedReader struct {
	r     io.Reader
	left  int64
	limit int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more tells a file of exactly the limit from a larger one.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, &ErrSampleTooLarge{Limit: l.limit}
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// ScanPIISample streams r through the scanner and a SHA-256 of the bytes as sent, reading at most
// the sample's limit and stopping when ctx ends. Nothing of the content is kept: the result is
// the summary and the digest.
func ScanPIISample(ctx context.Context, r io.Reader, p PIISample) (pii.Summary, string, error) {
	if err := p.Validate(); err != nil {
		return pii.Summary{}, "", err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultUploadLimit
	}
	h := sha256.New()
	lr := &limitedReader{r: r, left: limit, limit: limit}
	in := io.TeeReader(lr, h)
	sum, err := pii.Scan(ctx, in, p.Options, nil)
	if err != nil {
		var large *ErrSampleTooLarge
		if errors.As(err, &large) {
			return pii.Summary{}, "", Invalid("file", large.Error())
		}
		if ctx.Err() != nil {
			return pii.Summary{}, "", ctx.Err()
		}
		return pii.Summary{}, "", err
	}
	// The scanner may stop before the end (a gzip trailer, say): the digest covers the whole file.
	if _, err := io.Copy(h, lr); err != nil {
		var large *ErrSampleTooLarge
		if errors.As(err, &large) {
			return pii.Summary{}, "", Invalid("file", large.Error())
		}
		return pii.Summary{}, "", err
	}
	return sum, hexSum(h), nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// PIIEvidence turns a scan summary into an evidence record for one stage: the figures are the
// summary's counts for that stage, the inputs the scan's settings. sha256 is the scanned file's
// digest, empty when the summary was computed elsewhere.
func PIIEvidence(stage string, s pii.Summary, opts pii.Options, sha256 string, source assessments.Source) (assessments.EvidenceInput, error) {
	if stage != StageBefore && stage != StageAfter {
		return assessments.EvidenceInput{}, Invalid("stage", `say whether the sample is from "before" or "after" anonymisation`)
	}
	types := slices.Sorted(func(yield func(string) bool) {
		for t := range s.Counts {
			if !yield(t) {
				return
			}
		}
	})
	for _, t := range types {
		if !figures.Known(figures.PII, stage+"_"+t) {
			return assessments.EvidenceInput{}, Invalid("counts", fmt.Sprintf("%q is not an entity type name (capitals, digits and _, as Presidio names them)", t))
		}
	}
	settings := s.SettingsHash
	if settings == "" && opts.Format != "" {
		settings = opts.SettingsHash()
	}
	inputs := map[string]any{
		"stage":         stage,
		"bytes":         s.Bytes,
		"problem_lines": s.Problems.Count,
	}
	if opts.Format != "" {
		inputs["format"] = opts.Format
	}
	if len(opts.Fields) > 0 {
		inputs["fields"] = opts.Fields
	}
	if len(opts.Columns) > 0 {
		inputs["columns"] = opts.Columns
	}
	if settings != "" {
		inputs["settings_hash"] = settings
	}
	if len(s.RecordsAffected) > 0 {
		inputs["records_affected"] = s.RecordsAffected
	}
	raw, err := json.Marshal(inputs)
	if err != nil {
		return assessments.EvidenceInput{}, err
	}
	in := assessments.EvidenceInput{
		Kind: figures.PII, Source: source, Tool: orWord(s.Scanner, "unknown scanner"), FileSHA256: sha256, Label: stage,
		Inputs: raw, Figures: s.Figures(stage), Notes: []string{KeepOnlyCounts},
	}
	if s.Problems.Count > 0 {
		in.Warnings = append(in.Warnings, fmt.Sprintf("%d lines could not be read as %s and were not scanned.", s.Problems.Count, orWord(opts.Format, "records")))
	}
	var guessed []string
	for _, t := range s.LowConfidence {
		if s.Counts[t] > 0 {
			guessed = append(guessed, t)
		}
	}
	if len(guessed) > 0 {
		in.Warnings = append(in.Warnings, "Found from word lists and context rather than validated: "+strings.Join(guessed, ", ")+".")
	}
	switch {
	case s.Records == 0 && s.Detections() > 0:
		// Presidio counts per entity type say nothing of records: the rates, and the rule on
		// records with PII after anonymisation, cannot use them.
		in.Warnings = append(in.Warnings, "The summary gives counts per entity type but no record counts: the rates are unknown.")
	case s.Records == 0:
		in.Warnings = append(in.Warnings, "The sample holds no records.")
	}
	return in, nil
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// byteSize writes a size in the largest whole unit: "200 MB", "1.5 GB", "512 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", float64(n)/(1<<20)), "0"), ".") + " MB"
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ByteSize writes a size for people, as the upload limit is shown.
func ByteSize(n int64) string { return byteSize(n) }

// ParsePIISummary reads a summary computed elsewhere: piaf's own `pii scan --json` object, or
// Presidio analyzer results (per-entity counts only; results carrying the matched text are
// refused).
func ParsePIISummary(format string, data []byte) (pii.Summary, error) {
	var s pii.Summary
	var err error
	switch format {
	case "piaf":
		s, err = pii.ParseSummary(data)
	case "presidio":
		s, err = pii.ParsePresidioCounts(data)
	default:
		return pii.Summary{}, Invalid("format", `must be "piaf" (the output of piaf pii scan --json) or "presidio"`)
	}
	if err != nil {
		return pii.Summary{}, Invalid("summary", err.Error())
	}
	return s, nil
}

// CanAttachEvidence tells whether the actor may add evidence to the assessment now, with the
// error AttachEvidence would give. Uploads ask it before reading a byte of the body.
func (s *Service) CanAttachEvidence(ctx context.Context, who Actor, assessmentID int64) error {
	_, _, err := s.editableAssessment(ctx, who, assessmentID)
	return err
}

// AttachPIISample scans a sample streamed from r and attaches the summary as a record of the
// sample's stage, with the file's SHA-256: the content itself is never stored. Rights are checked
// before the first byte is read.
func (s *Service) AttachPIISample(ctx context.Context, who Actor, assessmentID int64, p PIISample, r io.Reader) (*assessments.Evidence, pii.Summary, error) {
	if err := s.CanAttachEvidence(ctx, who, assessmentID); err != nil {
		return nil, pii.Summary{}, err
	}
	sum, sha, err := ScanPIISample(ctx, r, p)
	if err != nil {
		return nil, pii.Summary{}, err
	}
	in, err := PIIEvidence(p.Stage, sum, p.Options, sha, assessments.SourceComputed)
	if err != nil {
		return nil, sum, err
	}
	e, err := s.AttachEvidence(ctx, who, assessmentID, in)
	return e, sum, err
}
