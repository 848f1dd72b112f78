package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// Answer saves through the API by 16 editors on 16 different assessments, as scripts/savers
// does against a running server: the whole request (token check, access, validation,
// reconciliation, the revision transaction, the response). With -cpuprofile it shows where a
// save spends its time; ns/op is the wall time per save across the 16 editors.
func BenchmarkConcurrentAnswerSaves(b *testing.B) {
	const editors = 16
	a := newApp(b)
	u := a.user("editor@example.org", false)
	tok := a.token(u)
	ids := make([]int64, editors)
	for i := range ids {
		ids[i] = startAssessmentB(b, a, tok, a.project(u, fmt.Sprintf("Project %d", i)))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: editors}}
	var next atomic.Int64
	b.SetParallelism((editors + 1) / 2) // GOMAXPROCS=2 on the shared machine: 16 goroutines
	b.ReportAllocs()
	b.ResetTimer()
	cpuPerOp(b) // CPU of the server and the 16 clients together
	b.RunParallel(func(pb *testing.PB) {
		id := ids[int(next.Add(1)-1)%editors]
		url := fmt.Sprintf("%s/api/v1/assessments/%d/answers", a.srv.URL, id)
		revision := 1
		for n := 0; pb.Next(); n++ {
			body, _ := json.Marshal(map[string]any{"answers": map[string]any{"purpose_description": "Draft " + strconv.Itoa(n)}})
			req, _ := http.NewRequest(http.MethodPatch, url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("If-Match", strconv.Itoa(revision))
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			var out struct{ Revision int }
			err = json.NewDecoder(res.Body).Decode(&out)
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || err != nil {
				b.Errorf("save: %s %v", res.Status, err)
				return
			}
			revision = out.Revision
		}
	})
}

func startAssessmentB(b *testing.B, a *app, token string, p *assessments.Project) int64 {
	r := a.api("POST", fmt.Sprintf("/api/v1/projects/%d/assessments", p.ID), token, `{"questionnaire":"llm-finetuning"}`)
	if r.status != http.StatusCreated {
		b.Fatalf("start assessment: %d %s", r.status, r.body)
	}
	var out struct{ ID int64 }
	r.json(b, &out)
	return out.ID
}
