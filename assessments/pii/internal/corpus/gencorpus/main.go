// Command gencorpus writes a generated corpus of about -size bytes for benchmarks: lines of text
// with personal data and decoys, as plain text, JSONL ({"id":n,"text":...}) or CSV (id,text).
package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/piaf-dev/piaf/assessments/pii/internal/corpus"
)

func main() {
	size := flag.Int64("size", 100<<20, "approximate number of bytes to write")
	format := flag.String("format", "text", "text, jsonl or csv")
	seed := flag.Uint64("seed", 1, "seed of the generator")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	cw := csv.NewWriter(w)
	g := corpus.New(*seed)
	var n int64
	if *format == "csv" {
		cw.Write([]string{"id", "text"})
	}
	for id := 1; n < *size; id++ {
		text := g.Record().Text
		switch *format {
		case "text":
			w.WriteString(text)
			w.WriteByte('\n')
			n += int64(len(text)) + 1
		case "jsonl":
			b, _ := json.Marshal(struct {
				ID   int    `json:"id"`
				Text string `json:"text"`
			}{id, text})
			w.Write(b)
			w.WriteByte('\n')
			n += int64(len(b)) + 1
		case "csv":
			cw.Write([]string{strconv.Itoa(id), text})
			n += int64(len(text)) + 10
		default:
			fmt.Fprintln(os.Stderr, "gencorpus: -format: want text, jsonl or csv")
			os.Exit(2)
		}
	}
	cw.Flush()
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}
