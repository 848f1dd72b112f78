package pii

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// MaxLine is the longest JSONL or text line read; longer lines are reported and skipped, which
// keeps memory flat whatever the input.
const MaxLine = 8 << 20

// record is one unit of input handed to a visitor: its number and its selected fields.
type record struct {
	num    int64 // 1-based line (JSONL, text) or data row (CSV)
	line   int64 // 1-based line where it starts
	raw    []byte
	fields []field
	row    []string // CSV only: every column, for rewriting
}

type field struct {
	name     string
	nameB    []byte // JSONL: the key path, not yet a string
	text     []byte
	tokStart int // JSONL: the string token's position in raw
	tokEnd   int
	column   int // CSV: the column index
}

func (f *field) fieldName() string {
	if f.nameB != nil {
		return string(f.nameB)
	}
	return f.name
}

// visitor receives records; skipped is called for a line that could not be read as a record.
type visitor interface {
	record(r *record) error
	skipped(line int64, raw []byte, reason string) error
}

// countingReader counts the bytes read, for Summary.Bytes and progress reports.
type countingReader struct {
	r        io.Reader
	n        atomic.Int64
	progress func(int64)
	reported int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	total := c.n.Add(int64(n))
	if c.progress != nil && total-c.reported >= 1<<20 {
		c.reported = total
		c.progress(total)
	}
	return n, err
}

// openInput wraps r with a byte counter and, when the data starts with gzip's magic, a decompressor.
func openInput(r io.Reader, progress func(int64)) (*countingReader, *bufio.Reader, error) {
	cr := &countingReader{r: r, progress: progress}
	br := bufio.NewReaderSize(cr, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	return cr, br, nil
}

// readRecords reads the input in the given format and hands each record to v.
func readRecords(ctx context.Context, br *bufio.Reader, opts Options, v visitor) error {
	switch opts.Format {
	case "csv", "tsv":
		return readCSV(ctx, br, opts, v)
	}
	want := map[string]bool{}
	for _, f := range opts.Fields {
		want[f] = true
	}
	var jp jsonLine
	var long []byte
	rec := record{}
	for line := int64(1); ; line++ {
		if line&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		raw, err := br.ReadSlice('\n')
		tooLong := false
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], raw...)
			for errors.Is(err, bufio.ErrBufferFull) {
				raw, err = br.ReadSlice('\n')
				if len(long)+len(raw) > MaxLine {
					tooLong = true
				} else {
					long = append(long, raw...)
				}
			}
			raw = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if len(raw) == 0 && err != nil {
			return nil
		}
		body := bytes.TrimSuffix(bytes.TrimSuffix(raw, []byte("\n")), []byte("\r"))
		problem := lineRecord(&rec, &jp, line, body, tooLong, opts.Format, want)
		if problem != "" {
			if e := v.skipped(line, raw, problem); e != nil {
				return e
			}
		}
		if problem == "" || strings.HasSuffix(problem, scannedAnyway) {
			if e := v.record(&rec); e != nil {
				return e
			}
		}
		if len(long) > 1<<20 && !tooLong {
			long = nil // do not keep a big buffer for the rest of the file
		}
		if err != nil {
			return nil
		}
	}
}

// lineRecord fills rec from one JSONL or text line, or says why the line is no record. Invalid
// UTF-8 is reported but still scanned: skipping it would hide what it holds.
func lineRecord(rec *record, jp *jsonLine, line int64, body []byte, tooLong bool, format string, want map[string]bool) string {
	rec.num, rec.line, rec.raw, rec.fields = line, line, body, rec.fields[:0]
	switch {
	case tooLong:
		return fmt.Sprintf("line longer than %d MiB, skipped", MaxLine>>20)
	case bytes.IndexByte(body, 0) >= 0:
		return "binary data (NUL byte), skipped"
	}
	if format == "text" {
		rec.fields = append(rec.fields, field{name: "text", text: body})
		if !utf8.Valid(body) {
			return "invalid UTF-8" + scannedAnyway
		}
		return ""
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return ""
	}
	if err := jp.parse(body); err != nil {
		return "broken JSON, skipped"
	}
	for _, s := range jp.strs {
		if len(want) > 0 && !want[string(s.path)] {
			continue
		}
		rec.fields = append(rec.fields, field{nameB: s.path, text: s.text, tokStart: s.tokStart, tokEnd: s.tokEnd})
	}
	if jp.badUTF8 {
		return "invalid UTF-8" + scannedAnyway
	}
	return ""
}

// scannedAnyway marks a problem whose record was still scanned (and redacted).
const scannedAnyway = " (scanned anyway)"

func readCSV(ctx context.Context, br *bufio.Reader, opts Options, v visitor) error {
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	if opts.Format == "tsv" {
		cr.Comma = '\t'
		cr.LazyQuotes = true
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	header = slices.Clone(header)
	if hv, ok := v.(interface{ header([]string) error }); ok {
		if err := hv.header(header); err != nil {
			return err
		}
	}
	var selected []int
	for _, c := range opts.Columns {
		i := slices.Index(header, c)
		if i < 0 {
			return fmt.Errorf("columns: %q is not in the header (%s)", c, strings.Join(header, ", "))
		}
		selected = append(selected, i)
	}
	if len(selected) == 0 {
		for i := range header {
			selected = append(selected, i)
		}
	}
	slices.Sort(selected)
	rec := record{}
	for num := int64(1); ; num++ {
		if num&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if e := v.skipped(int64(pe.StartLine), nil, "broken CSV row ("+pe.Err.Error()+"), skipped"); e != nil {
					return e
				}
				num--
				continue
			}
			return err
		}
		rec.num, rec.line, rec.row, rec.fields = num, int64(line), row, rec.fields[:0]
		for _, i := range selected {
			if i < len(row) {
				rec.fields = append(rec.fields, field{name: header[i], text: []byte(row[i]), column: i})
			}
		}
		problem := ""
		if len(row) != len(header) {
			problem = fmt.Sprintf("ragged row: %d fields, the header has %d", len(row), len(header))
		}
		for _, f := range rec.fields {
			if !utf8.Valid(f.text) {
				problem = "invalid UTF-8"
			}
		}
		if problem != "" {
			if e := v.skipped(int64(line), nil, problem+scannedAnyway); e != nil {
				return e
			}
		}
		if err := v.record(&rec); err != nil {
			return err
		}
	}
}
