package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/piaf-dev/piaf/assessments/pii"
)

// piiCommand finds personal data in a dataset (scan) or writes it with the personal data replaced
// (redact).
func piiCommand(ctx context.Context, args []string, e env) error {
	// A scan streams: what it holds is a few buffers. The soft limit makes the collector work
	// harder rather than let garbage grow the process past 64 MB on files of any size.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(40 << 20))
	if len(args) == 0 {
		return errors.New("pii: want 'scan' or 'redact'; see 'piaf help'")
	}
	switch args[0] {
	case "scan":
		return piiScan(ctx, args[1:], e)
	case "redact":
		return piiRedact(ctx, args[1:], e)
	}
	return fmt.Errorf("pii: unknown command %q; want 'scan' or 'redact'", args[0])
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

type piiInput struct {
	format  *string
	fields  stringList
	columns stringList
}

func piiInputFlags(fs *flag.FlagSet) *piiInput {
	in := &piiInput{format: fs.String("format", "", "input format: jsonl, csv, tsv or text (default: from the file name, else text)")}
	fs.Var(&in.fields, "field", "JSONL key path to scan, dotted for nested objects (repeatable; default: every string value)")
	fs.Var(&in.columns, "column", "CSV/TSV column to scan, by header name (repeatable; default: every column)")
	return in
}

// options builds the scan options, taking the format from the file name when not given.
func (in *piiInput) options(path string) (pii.Options, error) {
	format := *in.format
	if format == "" {
		name := strings.TrimSuffix(strings.ToLower(path), ".gz")
		switch filepath.Ext(name) {
		case ".jsonl", ".ndjson", ".json":
			format = "jsonl"
		case ".csv":
			format = "csv"
		case ".tsv", ".tab":
			format = "tsv"
		default:
			format = "text"
		}
	}
	o := pii.Options{Format: format, Fields: in.fields, Columns: in.columns}
	if err := o.Validate(); err != nil {
		return o, fmt.Errorf("--%s", err)
	}
	return o, nil
}

// openData opens FILE, or standard input for "-".
func openData(path string, e env) (io.Reader, func(), error) {
	if path == "-" {
		return e.stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

func piiScan(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf pii scan", "piaf pii scan [--format jsonl|csv|tsv|text] [--field F]... [--column C]... [--spans [--show-values]] [--json] FILE|-", e)
	in := piiInputFlags(fs)
	spans := fs.Bool("spans", false, "print one JSON object per detection (record, field, start, end, type), not the summary")
	showValues := fs.Bool("show-values", false, "with --spans, include the matched text (personal data!) in each object")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	switch {
	case *spans && *asJSON:
		return errors.New("pii scan: --spans and --json print different things; choose one")
	case *showValues && !*spans:
		return errors.New("pii scan: --show-values only goes with --spans")
	}
	opts, err := in.options(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("pii scan: %w", err)
	}
	r, closeFn, err := openData(fs.Arg(0), e)
	if err != nil {
		return fmt.Errorf("pii scan: %w", err)
	}
	defer closeFn()
	var onSpan func(pii.Detection)
	var out *json.Encoder
	if *spans {
		out = json.NewEncoder(e.stdout)
		out.SetEscapeHTML(false)
		onSpan = func(d pii.Detection) { out.Encode(d) }
	}
	scanFn := pii.Scan
	if *showValues {
		scanFn = pii.ScanWithValues
	}
	sum, err := scanFn(ctx, r, opts, onSpan)
	if err != nil {
		return fmt.Errorf("pii scan: %w", err)
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(sum)
	case *spans:
		printProblems(e.stderr, sum)
		return nil
	}
	printSummary(e.stdout, sum)
	printProblems(e.stderr, sum)
	return nil
}

func printSummary(w io.Writer, s pii.Summary) {
	row := func(name string, t pii.Type) {
		fmt.Fprintf(w, "%-16s %12d %12d\n", name, s.Counts[t.String()], s.RecordsAffected[t.String()])
	}
	fmt.Fprintf(w, "%-16s %12s %12s\n", "type", "count", "records")
	var low []pii.Type
	for _, t := range pii.Types() {
		if t.LowConfidence() {
			low = append(low, t)
			continue
		}
		row(t.String(), t)
	}
	fmt.Fprintln(w, "lower confidence (from word lists and context):")
	for _, t := range low {
		row(t.String(), t)
	}
	fmt.Fprintf(w, "\nrecords: %d, with personal data: %d (%.1f per 1,000), bytes: %d, time: %.2f s\n",
		s.Records, s.RecordsWithPII, s.RatePer1000(), s.Bytes, s.Seconds)
}

func printProblems(w io.Writer, s pii.Summary) {
	if s.Problems.Count == 0 {
		return
	}
	fmt.Fprintf(w, "problems: %d lines could not be read as they should", s.Problems.Count)
	if n := int64(len(s.Problems.First)); n < s.Problems.Count {
		fmt.Fprintf(w, " (the first %d:)", n)
	}
	fmt.Fprintln(w)
	for _, p := range s.Problems.First {
		fmt.Fprintf(w, "  line %d: %s\n", p.Line, p.Reason)
	}
}

func piiRedact(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf pii redact", "piaf pii redact --mode mask|pseudonymize [--key-file K] [--format F] [--field F]... [--column C]... [--out FILE] FILE|-", e)
	in := piiInputFlags(fs)
	mode := fs.String("mode", "", "mask (writes [EMAIL_ADDRESS]) or pseudonymize (writes a keyed token, <EMAIL_ADDRESS:3f9a1c2e>)")
	keyFile := fs.String("key-file", "", "file holding the pseudonymisation key, at least 32 bytes (e.g. head -c 32 /dev/urandom > pii.key)")
	outPath := fs.String("out", "-", "where to write the redacted data (default: standard output)")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	var rep pii.Replacer
	switch *mode {
	case "mask":
		if *keyFile != "" {
			return errors.New("pii redact: --key-file is only for --mode pseudonymize")
		}
		rep = pii.Mask{}
	case "pseudonymize":
		if *keyFile == "" {
			return errors.New("pii redact: --mode pseudonymize needs --key-file (at least 32 bytes; there is no default key)")
		}
		key, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("pii redact: %w", err)
		}
		p, err := pii.NewPseudonymizer(bytes.TrimSpace(key))
		if err != nil {
			return fmt.Errorf("pii redact: --key-file %s: %w", *keyFile, err)
		}
		rep = p
	default:
		return fmt.Errorf("pii redact: --mode: want mask or pseudonymize, not %q", *mode)
	}
	opts, err := in.options(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("pii redact: %w", err)
	}
	r, closeFn, err := openData(fs.Arg(0), e)
	if err != nil {
		return fmt.Errorf("pii redact: %w", err)
	}
	defer closeFn()
	w := e.stdout
	var f *os.File
	if *outPath != "-" {
		if f, err = os.Create(*outPath); err != nil {
			return fmt.Errorf("pii redact: %w", err)
		}
		w = f
	}
	sum, err := pii.Redact(ctx, r, w, opts, rep)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("pii redact: %w", err)
	}
	fmt.Fprintf(e.stderr, "redacted %d detections in %d of %d records\n", sum.Detections(), sum.RecordsWithPII, sum.Records)
	printProblems(e.stderr, sum)
	return nil
}
