package pii_test

import (
	"bytes"
	"context"
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
