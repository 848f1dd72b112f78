package pii

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"runtime/debug"
	"slices"
	"time"
	"unicode/utf8"
)

// Summary is what a scan found, in counts only: never the text.
type Summary struct {
	Records        int64            `json:"records"`
	RecordsWithPII int64            `json:"records_with_pii"`
	Counts         map[string]int64 `json:"counts"`
	// RecordsAffected is, per type, how many records hold at least one detection of it.
	RecordsAffected map[string]int64 `json:"records_affected,omitempty"`
	Bytes           int64            `json:"bytes"`
	Seconds         float64          `json:"seconds"`
	Scanner         string           `json:"scanner"`
	// LowConfidence names the types found from word lists and context rather than validation.
	LowConfidence []string `json:"low_confidence,omitempty"`
	Problems      Problems `json:"problems"`
	SettingsHash  string   `json:"settings_hash,omitempty"`
}

// Problems are the lines that could not be read as they should: broken JSON, ragged CSV rows,
// invalid UTF-8, binary data, overlong lines.
type Problems struct {
	Count int64     `json:"count"`
	First []Problem `json:"first,omitempty"`
}

// Problem is one bad line; Line is 1-based in the (decompressed) input.
type Problem struct {
	Line   int64  `json:"line"`
	Reason string `json:"reason"`
}

// maxProblemsKept bounds how many problems a summary lists; all are counted.
const maxProblemsKept = 10

func (p *Problems) add(line int64, reason string) {
	p.Count++
	if len(p.First) < maxProblemsKept {
		p.First = append(p.First, Problem{line, reason})
	}
}

// Detections is the number of detections of every type.
func (s Summary) Detections() int64 {
	var n int64
	for _, c := range s.Counts {
		n += c
	}
	return n
}

// RatePer1000 is the share of records with personal data, per 1,000 records.
func (s Summary) RatePer1000() float64 {
	if s.Records == 0 {
		return 0
	}
	return float64(s.RecordsWithPII) * 1000 / float64(s.Records)
}

// Version is the scanner's version as "piaf/VERSION", from the build information.
func Version() string {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return "piaf/" + v
}

// detectorRules names the detector's rule set; change it whenever what is detected changes, so
// that settings hashes of scans that are not comparable differ.
const detectorRules = "pii-rules-1"

// SettingsHash identifies the scan's configuration: format, selection, rule set.
func (o Options) SettingsHash() string {
	fields, columns := slices.Clone(o.Fields), slices.Clone(o.Columns)
	slices.Sort(fields)
	slices.Sort(columns)
	b, _ := json.Marshal(map[string]any{"format": o.Format, "fields": fields, "columns": columns, "rules": detectorRules})
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Scan reads r in the given format, once and in constant memory, and counts what it finds. Each
// detection goes to onSpan (which may be nil) with code point offsets and without the value.
// Gzip input is recognised by its magic bytes. Bad lines are counted in Summary.Problems, never
// fatal; an error means the input could not be read, or ctx was cancelled.
func Scan(ctx context.Context, r io.Reader, opts Options, onSpan func(Detection)) (Summary, error) {
	return scan(ctx, r, opts, func(rec *record, f *field, spans []span) {
		if onSpan == nil {
			return
		}
		name := f.fieldName()
		for _, d := range runeSpans(f.text, spans) {
			d.Record, d.Field = rec.num, name
			onSpan(d)
		}
	}, nil)
}

// ScanWithValues is Scan for callers that asked to see the matched text (the CLI's --show-values).
func ScanWithValues(ctx context.Context, r io.Reader, opts Options, onSpan func(Detection)) (Summary, error) {
	return scan(ctx, r, opts, func(rec *record, f *field, spans []span) {
		name := f.fieldName()
		for k, d := range runeSpans(f.text, spans) {
			d.Record, d.Field, d.Value = rec.num, name, string(f.text[spans[k].start:spans[k].end])
			onSpan(d)
		}
	}, nil)
}

// runeSpans converts byte spans to detections with code point offsets, counting runes only up to
// the last span.
func runeSpans(text []byte, spans []span) []Detection {
	out := make([]Detection, len(spans))
	pos, runes := 0, 0
	advance := func(to int) int {
		runes += utf8.RuneCount(text[pos:to])
		pos = to
		return runes
	}
	for k, s := range spans {
		out[k].Start = advance(s.start)
		out[k].End = advance(s.end)
		out[k].Type = s.typ.String()
		if s.typ.LowConfidence() {
			out[k].Confidence = "low"
		}
	}
	return out
}

// scanner is the visitor that counts; onField sees each field with detections, and out, when set,
// receives each record for rewriting.
type scanner struct {
	sum      *Summary
	counts   [numTypes]int64
	affected [numTypes]int64
	spans    []span
	onField  func(rec *record, f *field, spans []span)
	out      recordWriter
}

// recordWriter rewrites records for redaction.
type recordWriter interface {
	write(rec *record, spans [][]span) error
}

func (s *scanner) skipped(line int64, raw []byte, reason string) error {
	s.sum.Problems.add(line, reason)
	return nil
}

func (s *scanner) record(rec *record) error {
	s.sum.Records++
	var seen [numTypes]bool
	hit := false
	var perField [][]span
	if s.out != nil {
		perField = make([][]span, len(rec.fields))
	}
	for k := range rec.fields {
		f := &rec.fields[k]
		s.spans = detect(f.text, s.spans[:0])
		if len(s.spans) == 0 {
			continue
		}
		hit = true
		for _, sp := range s.spans {
			s.counts[sp.typ]++
			seen[sp.typ] = true
		}
		if s.onField != nil {
			s.onField(rec, f, s.spans)
		}
		if perField != nil {
			perField[k] = slices.Clone(s.spans)
		}
	}
	if hit {
		s.sum.RecordsWithPII++
		for t, ok := range seen {
			if ok {
				s.affected[t]++
			}
		}
	}
	if s.out != nil {
		return s.out.write(rec, perField)
	}
	return nil
}

func scan(ctx context.Context, r io.Reader, opts Options, onField func(*record, *field, []span), out recordWriter) (Summary, error) {
	sum := Summary{Scanner: Version(), Counts: map[string]int64{}, RecordsAffected: map[string]int64{}, Problems: Problems{First: []Problem{}}}
	if err := opts.Validate(); err != nil {
		return sum, err
	}
	sum.SettingsHash = opts.SettingsHash()
	start := time.Now()
	cr, br, err := openInput(r, opts.Progress)
	if err != nil {
		return sum, err
	}
	s := &scanner{sum: &sum, onField: onField, out: out}
	if hv, ok := out.(interface{ header([]string) error }); ok {
		err = readRecords(ctx, br, opts, headerVisitor{s, hv})
	} else {
		err = readRecords(ctx, br, opts, s)
	}
	for _, t := range Types() {
		sum.Counts[t.String()] = s.counts[t]
		sum.RecordsAffected[t.String()] = s.affected[t]
		if t.LowConfidence() {
			sum.LowConfidence = append(sum.LowConfidence, t.String())
		}
	}
	sum.Bytes = cr.n.Load()
	sum.Seconds = time.Since(start).Seconds()
	if opts.Progress != nil {
		opts.Progress(sum.Bytes)
	}
	return sum, err
}

// headerVisitor passes the CSV header on to a writer that needs it.
type headerVisitor struct {
	*scanner
	hv interface{ header([]string) error }
}

func (h headerVisitor) header(cols []string) error { return h.hv.header(cols) }
