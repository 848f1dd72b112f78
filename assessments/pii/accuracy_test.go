package pii_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/pii"
	"github.com/piaf-dev/piaf/assessments/pii/internal/corpus"
)

// TestAccuracy scans a generated labelled corpus (valid identifiers in sentences, and decoys that
// fail validation) and measures precision and recall per type. A detection counts as a true
// positive only when its type and both offsets equal a label's. The table is Markdown for README.
func TestAccuracy(t *testing.T) {
	const n = 20000
	g := corpus.New(13)
	records := make([]corpus.Record, n)
	var text strings.Builder
	decoys := 0
	for i := range records {
		records[i] = g.Record()
		decoys += records[i].Decoys
		text.WriteString(records[i].Text + "\n")
	}
	type key struct {
		rec        int64
		typ        string
		start, end int
	}
	labels := map[key]bool{}
	for i, r := range records {
		for _, l := range r.Labels {
			labels[key{int64(i + 1), l.Type, l.Start, l.End}] = true
		}
	}
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	var misses []string
	_, err := pii.Scan(context.Background(), strings.NewReader(text.String()), pii.Options{Format: "text"}, func(d pii.Detection) {
		k := key{d.Record, d.Type, d.Start, d.End}
		if labels[k] {
			tp[d.Type]++
			delete(labels, k)
			return
		}
		fp[d.Type]++
		if len(misses) < 20 {
			txt := records[d.Record-1].Text
			misses = append(misses, fmt.Sprintf("false %s %q in %q", d.Type, txt[d.Start:d.End], txt))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range labels {
		fn[k.typ]++
		if len(misses) < 40 {
			txt := records[k.rec-1].Text
			misses = append(misses, fmt.Sprintf("missed %s %q in %q", k.typ, txt[k.start:k.end], txt))
		}
	}
	var table strings.Builder
	table.WriteString(fmt.Sprintf("Accuracy on %d generated records (seed 13) holding %d decoys (failed checksums, order\nnumbers, versions, dates, times, amounts, ISBNs, UUIDs, hashes, coordinates):\n\n", n, decoys))
	table.WriteString("| type | labelled | found | precision | recall |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, typ := range corpus.Types {
		p := ratio(tp[typ], tp[typ]+fp[typ])
		r := ratio(tp[typ], tp[typ]+fn[typ])
		table.WriteString(fmt.Sprintf("| %s | %d | %d | %.4f | %.4f |\n", typ, tp[typ]+fn[typ], tp[typ]+fp[typ], p, r))
		if typ == "PERSON" {
			continue // lower confidence by design; reported, not required
		}
		if tp[typ]+fn[typ] < 500 {
			t.Errorf("%s: only %d labelled examples; the measure means little", typ, tp[typ]+fn[typ])
		}
		if p < 0.95 || r < 0.98 {
			t.Errorf("%s: precision %.4f (want >= 0.95), recall %.4f (want >= 0.98)", typ, p, r)
		}
	}
	t.Log("\n" + table.String())
	if t.Failed() || testing.Verbose() {
		t.Log("examples:\n" + strings.Join(misses, "\n"))
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
