// Command savers is the concurrent-editors part of scripts/load.sh: N editors, each on its own
// assessment, save answers through the API as fast as the server takes them, each save based on
// the revision the previous one returned (If-Match). It prints saves per second, p50 and p99.
//
//	go run ./scripts/savers -base http://127.0.0.1:8080 -token TOKEN -ids 3,7,9 -d 10s
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "piaf's address (loopback only)")
	token := flag.String("token", "", "API token of an account that may edit the assessments")
	ids := flag.String("ids", "", "comma-separated assessment ids, one editor each")
	question := flag.String("question", "purpose_description", "the text question the editors answer")
	d := flag.Duration("d", 10*time.Second, "how long to save")
	flag.Parse()
	if err := run(*base, *token, *ids, *question, *d); err != nil {
		fmt.Fprintln(os.Stderr, "savers:", err)
		os.Exit(1)
	}
}

type editor struct {
	latencies []time.Duration
	errors    int
	err       error
}

func run(base, token, ids, question string, d time.Duration) error {
	if !strings.HasPrefix(base, "http://127.0.0.1:") && !strings.HasPrefix(base, "http://localhost:") {
		return errors.New("-base must be a loopback address")
	}
	list := strings.Split(ids, ",")
	if token == "" || ids == "" {
		return errors.New("-token and -ids are required")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: len(list)}}
	editors := make([]editor, len(list))
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i, id := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			editors[i].err = edit(client, base+"/api/v1/assessments/"+id, token, question, deadline, &editors[i])
		}()
	}
	wg.Wait()
	var all []time.Duration
	failed := 0
	for _, e := range editors {
		if e.err != nil {
			return e.err
		}
		all = append(all, e.latencies...)
		failed += e.errors
	}
	if len(all) == 0 {
		return errors.New("no save succeeded")
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	fmt.Printf("editors=%d saves=%d failed=%d saves_per_s=%.0f p50_ms=%.1f p99_ms=%.1f\n",
		len(list), len(all), failed, float64(len(all))/d.Seconds(), pct(0.50), pct(0.99))
	return nil
}

// edit saves until the deadline; a conflict (someone else saved) re-reads the revision.
func edit(client *http.Client, url, token, question string, deadline time.Time, e *editor) error {
	revision, err := current(client, url, token)
	if err != nil {
		return err
	}
	for n := 0; time.Now().Before(deadline); n++ {
		body, _ := json.Marshal(map[string]any{"answers": map[string]any{question: "Draft " + strconv.Itoa(n) + " of the purpose."}})
		req, _ := http.NewRequest(http.MethodPatch, url+"/answers", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", strconv.Itoa(revision))
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		var out struct{ Revision int }
		decodeErr := json.NewDecoder(resp.Body).Decode(&out)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || decodeErr != nil {
			e.errors++
			if e.errors > 100 {
				return fmt.Errorf("%s: too many failed saves (last: %s)", url, resp.Status)
			}
			if revision, err = current(client, url, token); err != nil {
				return err
			}
			continue
		}
		e.latencies = append(e.latencies, time.Since(start))
		revision = out.Revision
	}
	return nil
}

func current(client *http.Client, url, token string) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct{ Revision int }
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", url, resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Revision, err
}
