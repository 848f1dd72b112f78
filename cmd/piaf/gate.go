package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments/manifest"
)

// cannotAsk is the gate's exit 2: no verdict was obtained (configuration, network, auth, server).
func cannotAsk(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf("gate: "+format, a...)}
}

// gateVerdict is the server's answer, GET or POST /api/v1/projects/{id}/gate.
type gateVerdict struct {
	Allowed *bool `json:"allowed"`
	Reasons []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"reasons"`
	Assessment       json.RawMessage `json:"assessment"`
	ApprovedRevision int             `json:"approved_revision"`
	StateHash        string          `json:"state_hash"`
	NextReviewAt     string          `json:"next_review_at"`
	Report           string          `json:"report"`
}

const gateTimeout = 60 * time.Second

// gateCommand asks a piaf server whether a training run may start: exit 0 when allowed, 1 when
// refused, 2 when no verdict could be had. A CI step can therefore tell "stop" from "broken".
func gateCommand(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf gate", "piaf gate --server URL --token TOKEN --project ID [--manifest FILE] [--json]", e)
	server := fs.String("server", envOr(e, "PIAF_URL", ""), "address of the piaf server (env PIAF_URL)")
	token := fs.String("token", envOr(e, "PIAF_TOKEN", ""), "API token (env PIAF_TOKEN)")
	project := fs.String("project", "", "the project's ID")
	manifestPath := fs.String("manifest", "", "a run manifest ('piaf manifest --json') for the server to check against the approval")
	asJSON := fs.Bool("json", false, "print the server's verdict as one JSON object")
	if err := parse(fs, args, 0); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2, err: err}
	}
	base, err := url.Parse(strings.TrimRight(*server, "/"))
	switch {
	case *server == "":
		return cannotAsk("--server (or PIAF_URL) is required")
	case err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "":
		return cannotAsk("--server: want an http or https address, got %q", *server)
	case *token == "":
		return cannotAsk("--token (or PIAF_TOKEN) is required")
	case *project == "":
		return cannotAsk("--project is required")
	}
	endpoint := base.String() + "/api/v1/projects/" + url.PathEscape(*project) + "/gate"
	method, body := http.MethodGet, []byte(nil)
	if *manifestPath != "" {
		data, err := readLimited(*manifestPath, manifest.MaxBytes)
		if err != nil {
			return cannotAsk("%v", err)
		}
		m, err := manifest.Parse(data)
		if err != nil {
			return cannotAsk("%s: %v", *manifestPath, err)
		}
		method, body = http.MethodPost, m.Document()
	}
	ctx, cancel := context.WithTimeout(ctx, gateTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return cannotAsk("%v", err)
	}
	req.Header.Set("Authorization", "Bearer "+*token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return cannotAsk("could not reach the server: %v", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return cannotAsk("reading the answer: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		var apiErr struct {
			Error string `json:"error"`
		}
		reason := strings.TrimSpace(string(raw[:min(len(raw), 200)]))
		if json.Unmarshal(raw, &apiErr) == nil && apiErr.Error != "" {
			reason = apiErr.Error
		}
		return cannotAsk("the server answered %s: %s", res.Status, printable(reason))
	}
	var v gateVerdict
	if err := json.Unmarshal(raw, &v); err != nil || v.Allowed == nil {
		return cannotAsk("the server's answer is not a verdict: %s", printable(string(raw[:min(len(raw), 200)])))
	}
	if *asJSON {
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return cannotAsk("%v", err)
		}
		fmt.Fprintf(e.stdout, "%s\n", compact.Bytes())
	} else {
		printVerdict(e, *project, v)
	}
	if !*v.Allowed {
		return &exitError{code: 1, err: fmt.Errorf("gate: project %s may not train: %d reasons", printable(*project), len(v.Reasons))}
	}
	return nil
}

func printVerdict(e env, project string, v gateVerdict) {
	verdict := "REFUSED"
	if *v.Allowed {
		verdict = "allowed"
	}
	fmt.Fprintf(e.stdout, "%s: project %s", verdict, printable(project))
	if len(v.Assessment) > 0 && string(v.Assessment) != "null" {
		fmt.Fprintf(e.stdout, ", assessment %s", printable(strings.Trim(string(v.Assessment), `"`)))
	}
	if v.ApprovedRevision > 0 {
		fmt.Fprintf(e.stdout, ", approved revision %d", v.ApprovedRevision)
	}
	fmt.Fprintln(e.stdout)
	for _, r := range v.Reasons {
		fmt.Fprintf(e.stdout, "  %s: %s\n", printable(r.Code), printable(r.Message))
	}
	for _, f := range []struct{ name, value string }{{"state", v.StateHash}, {"next review", v.NextReviewAt}, {"report", v.Report}} {
		if f.value != "" {
			fmt.Fprintf(e.stdout, "%s: %s\n", f.name, printable(f.value))
		}
	}
}

// printable drops control characters from what a server sent, so that it cannot drive the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
