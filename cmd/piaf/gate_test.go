package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/manifest"
)

// gateServer speaks the gate contract: GET (or POST with a manifest) /api/v1/projects/{id}/gate,
// bearer token, a verdict on 200 and {"error": ...} on 401/403/404.
func gateServer(t *testing.T, posted *[]byte) *httptest.Server {
	mux := http.NewServeMux()
	handle := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer piaf_secret" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error": "invalid token"}`)
			return
		}
		if r.Method == http.MethodPost {
			if r.Header.Get("Content-Type") != "application/json" {
				w.WriteHeader(http.StatusUnsupportedMediaType)
				return
			}
			*posted, _ = io.ReadAll(r.Body)
		}
		switch r.PathValue("id") {
		case "fine tune":
			io.WriteString(w, `{"allowed": true, "reasons": [], "assessment": 12, "approved_revision": 3,
				"state_hash": "ab12", "next_review_at": "2027-03-01", "report": "https://piaf.example.org/r/12"}`)
		case "stale":
			io.WriteString(w, `{"allowed": false, "reasons": [{"code": "review_overdue", "message": "the review was due on 2026-10-01\u001b[31m"},
				{"code": "not_covered", "message": "data/x.jsonl is not in an approved manifest"}], "assessment": 13, "approved_revision": 2}`)
		case "garbled":
			io.WriteString(w, `{"ok": true}`)
		case "secret":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error": "not a member of this project"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error": "no such project"}`)
		}
	}
	mux.HandleFunc("GET /api/v1/projects/{id}/gate", handle)
	mux.HandleFunc("POST /api/v1/projects/{id}/gate", handle)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func exitOf(err error) int { return exitCode(err, io.Discard) }

func TestGate(t *testing.T) {
	var posted []byte
	srv := gateServer(t, &posted)
	env := map[string]string{"PIAF_URL": srv.URL + "/", "PIAF_TOKEN": "piaf_secret"}

	r := runCmd(t, "", env, "gate", "--project", "fine tune")
	if exitOf(r.err) != 0 || !strings.Contains(r.stdout, "allowed: project fine tune, assessment 12, approved revision 3") ||
		!strings.Contains(r.stdout, "next review: 2027-03-01") {
		t.Errorf("allowed: %v\n%s", r.err, r.stdout)
	}

	r = runCmd(t, "", env, "gate", "--project", "stale")
	if exitOf(r.err) != 1 || !strings.Contains(r.stdout, "REFUSED: project stale") ||
		!strings.Contains(r.stdout, "  not_covered: data/x.jsonl is not in an approved manifest") || strings.Contains(r.stdout, "\x1b") {
		t.Errorf("refused: %v\n%q", r.err, r.stdout)
	}

	r = runCmd(t, "", env, "gate", "--json", "--project", "stale")
	var v map[string]any
	if exitOf(r.err) != 1 || json.Unmarshal([]byte(r.stdout), &v) != nil || v["allowed"] != false || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("json: %v %q", r.err, r.stdout)
	}

	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"PIAF_URL": srv.URL, "PIAF_TOKEN": "wrong"}, []string{"--project", "fine tune"}, "401 Unauthorized: invalid token"},
		{env, []string{"--project", "secret"}, "403 Forbidden: not a member of this project"},
		{env, []string{"--project", "nope"}, "404 Not Found: no such project"},
		{env, []string{"--project", "garbled"}, "not a verdict"},
		{env, []string{}, "--project is required"},
		{map[string]string{"PIAF_TOKEN": "piaf_secret"}, []string{"--project", "p"}, "--server (or PIAF_URL) is required"},
		{map[string]string{"PIAF_URL": srv.URL}, []string{"--project", "p"}, "--token (or PIAF_TOKEN) is required"},
		{env, []string{"--server", "ftp://x", "--project", "p"}, "want an http or https address"},
		{env, []string{"--server", "http://127.0.0.1:1", "--project", "p"}, "could not reach the server"},
		{env, []string{"--project", "p", "--manifest", "/no/such/file"}, "no such file"},
		{env, []string{"--bogus"}, "flag provided but not defined"},
	} {
		r := runCmd(t, "", tc.env, append([]string{"gate"}, tc.args...)...)
		if exitOf(r.err) != 2 || !strings.Contains(r.err.Error(), tc.want) || strings.Contains(r.err.Error(), "piaf_secret") {
			t.Errorf("%v: exit %d, err %v, want %q", tc.args, exitOf(r.err), r.err, tc.want)
		}
	}
}

func TestGateSendsManifest(t *testing.T) {
	var posted []byte
	srv := gateServer(t, &posted)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "d.jsonl"), []byte("abc"), 0o600)
	m := runCmd(t, "", nil, "manifest", "--json", "--data", filepath.Join(dir, "d.jsonl"))
	path := writeFile(t, "run.json", m.stdout)
	r := runCmd(t, "", nil, "gate", "--server", srv.URL, "--token", "piaf_secret", "--project", "fine tune", "--manifest", path)
	if r.err != nil {
		t.Fatalf("%v %s", r.err, r.stdout)
	}
	if !bytes.Equal(posted, bytes.TrimSpace([]byte(m.stdout))) {
		t.Errorf("posted %s, want %s", posted, m.stdout)
	}
	if _, err := manifest.Parse(posted); err != nil {
		t.Errorf("posted manifest: %v", err)
	}
	bad := writeFile(t, "bad.json", strings.Replace(m.stdout, `"size":3`, `"size":4`, 1))
	r = runCmd(t, "", nil, "gate", "--server", srv.URL, "--token", "piaf_secret", "--project", "fine tune", "--manifest", bad)
	if exitOf(r.err) != 2 || !strings.Contains(r.err.Error(), "digest") {
		t.Errorf("tampered manifest: %v", r.err)
	}
}

func TestExitCode(t *testing.T) {
	var stderr bytes.Buffer
	for _, tc := range []struct {
		err  error
		code int
		line string
	}{
		{nil, 0, ""},
		{fmt.Errorf("wrapped: %w", errors.New("x")), 1, "piaf: wrapped: x\n"},
		{&exitError{code: 2, err: errors.New("gate: no")}, 2, "piaf: gate: no\n"},
		{fmt.Errorf("outer: %w", &exitError{code: 2, err: errors.New("in")}), 2, "piaf: outer: in\n"},
		{&exitError{code: 1, err: errors.New("refused")}, 1, "piaf: refused\n"},
	} {
		stderr.Reset()
		if got := exitCode(tc.err, &stderr); got != tc.code || stderr.String() != tc.line {
			t.Errorf("%v: code %d, printed %q", tc.err, got, stderr.String())
		}
	}
	if got := exitCode(runCmd(t, "", nil, "gate", "--help").err, io.Discard); got != 0 {
		t.Errorf("help exits %d", got)
	}
}
