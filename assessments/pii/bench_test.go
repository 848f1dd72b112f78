package pii_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"testing"

	"github.com/piaf-dev/piaf/assessments/pii"
	"github.com/piaf-dev/piaf/assessments/pii/internal/corpus"
)

func benchCorpus(size int) []byte {
	g := corpus.New(1)
	var b bytes.Buffer
	for b.Len() < size {
		b.WriteString(g.Record().Text)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkScanText measures throughput on generated text; compare with scripts/bench-pii.sh,
// which runs ripgrep beside piaf on the same file.
func BenchmarkScanText(b *testing.B) {
	data := benchCorpus(16 << 20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := pii.Scan(context.Background(), bytes.NewReader(data), pii.Options{Format: "text"}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFormat(b *testing.B, format string, data []byte) {
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := pii.Scan(context.Background(), bytes.NewReader(data), pii.Options{Format: format}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanJSONL and BenchmarkScanCSV show what parsing the container costs over plain text.
func BenchmarkScanJSONL(b *testing.B) {
	var buf bytes.Buffer
	for _, line := range bytes.Split(benchCorpus(16<<20), []byte("\n")) {
		buf.WriteString(`{"id": 1, "text": `)
		q, _ := json.Marshal(string(line))
		buf.Write(q)
		buf.WriteString("}\n")
	}
	benchFormat(b, "jsonl", buf.Bytes())
}

func BenchmarkScanCSV(b *testing.B) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "text"})
	for _, line := range bytes.Split(benchCorpus(16<<20), []byte("\n")) {
		w.Write([]string{"1", string(line)})
	}
	w.Flush()
	benchFormat(b, "csv", buf.Bytes())
}
