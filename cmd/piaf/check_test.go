package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/store"
)

// Review of issue 17, item 12: with 3 overwritten pages the server started and /healthz said 200.
func TestCheckCommandAndStartupCheck(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if r := runCmd(t, "a long enough passphrase\n", nil, "user", "add", "--data", data, "--email", "dpo@example.org", "--admin"); r.err != nil {
		t.Fatal(r.err)
	}
	r := runCmd(t, "", nil, "check", "--data", data)
	if r.err != nil || !strings.Contains(r.stdout, "database file: ok") || !strings.Contains(r.stdout, "audit log: intact") ||
		!strings.HasSuffix(r.stdout, "no damage found\n") {
		t.Fatalf("check of a healthy database: %v\n%s", r.err, r.stdout)
	}
	r = runCmd(t, "", nil, "check", "--data", data, "--json")
	var rep struct {
		OK        bool     `json:"ok"`
		Integrity string   `json:"integrity"`
		Problems  []string `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); r.err != nil || err != nil || !rep.OK || rep.Integrity != "ok" || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("check --json: %v %v %q", r.err, err, r.stdout)
	}

	// The server checks the database at start and says so on /healthz.
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	e := env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &syncBuffer{}, getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--addr", addr, "--data", data}, e) }()
	var health string
	waitFor(t, func() bool {
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		health = string(b)
		return res.StatusCode == 200
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(health, `"startup_check":"ok"`) {
		t.Errorf("/healthz does not report the start-up check: %s", health)
	}

	f, err := os.OpenFile(filepath.Join(data, store.FileName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(bytes.Repeat([]byte{0xAB}, 3*4096), 2*4096) // pages 3 to 5
	f.Close()
	r = runCmd(t, "", nil, "check", "--data", data)
	if r.err == nil || !strings.Contains(r.stdout, "PROBLEM: database file:") || strings.Contains(r.err.Error(), "\n") {
		t.Errorf("check of a damaged database: %v\n%s", r.err, r.stdout)
	}
	r = runCmd(t, "", nil, "serve", "--addr", freeAddr(t), "--data", data)
	if r.err == nil || !strings.Contains(r.err.Error(), "is damaged") || !strings.Contains(r.err.Error(), "piaf check") {
		t.Errorf("serve on a damaged database: %v", r.err)
	}
}
