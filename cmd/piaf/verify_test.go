package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/web"
)

// exportedReport runs a piaf server on data, starts a draft assessment through the API and
// downloads its Markdown report, signature and PDF.
func exportedReport(t *testing.T, data string) (md, sig, pdf []byte) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, _ := st.CreateUser(ctx, store.NewUser{Email: "a@example.org", PasswordHash: "x"})
	_, token, _ := st.CreateAPIToken(ctx, u.ID, "test")
	cfg := web.DefaultConfig()
	cfg.KeysDir = filepath.Join(data, "keys")
	srv := httptest.NewServer(web.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg).Handler())
	defer srv.Close()
	call := func(method, path, body string) []byte {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		return b
	}
	call("POST", "/api/v1/projects", `{"name":"Claims assistant"}`)
	call("POST", "/api/v1/projects/1/assessments", `{"questionnaire":"llm-finetuning"}`)
	return call("GET", "/api/v1/assessments/1/report.md", ""), call("GET", "/api/v1/assessments/1/report.md.sig", ""),
		call("GET", "/api/v1/assessments/1/report.pdf", "")
}

func TestVerifyCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	md, sig, pdf := exportedReport(t, data)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		return p
	}
	mdPath := write("report.md", md)
	write("report.md.sig", sig)
	pdfPath := write("report.pdf", pdf)
	other := write("other.md", bytes.Replace(md, []byte("Claims assistant"), []byte("Claims assistent"), 1))
	write("alone.md", md)

	cases := []struct {
		name string
		args []string
		ok   bool
		want string
	}{
		{"markdown with its .sig found by name", []string{"verify", "--data", data, mdPath}, true, `project "Claims assistant", assessment cycle 1, revision 1: NOT the approved revision`},
		{"pdf", []string{"verify", "--data", data, pdfPath}, true, "valid PDF report"},
		{"changed markdown", []string{"verify", "--data", data, "--sig", mdPath + ".sig", other}, false, "NOT valid"},
		{"markdown without signature", []string{"verify", "--data", data, filepath.Join(dir, "alone.md")}, false, "detached signature"},
		{"missing file", []string{"verify", "--data", data, filepath.Join(dir, "nope.pdf")}, false, "no such file"},
		{"no database", []string{"verify", "--data", t.TempDir(), pdfPath}, false, "no piaf database"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, "", nil, tc.args...)
			if (r.err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v; stdout %s", r.err, tc.ok, r.stdout)
			}
			got := r.stdout
			if r.err != nil {
				got = r.err.Error()
				if strings.Contains(got, "\n") {
					t.Errorf("error is more than one line: %q", got)
				}
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("output %q lacks %q", got, tc.want)
			}
		})
	}
	broken := bytes.Clone(pdf)
	i := bytes.Index(broken, []byte("/Title"))
	broken[i+1] ^= 0x20
	if r := runCmd(t, "", nil, "verify", "--data", data, write("broken.pdf", broken)); r.err == nil {
		t.Error("a changed PDF verified")
	}
}
