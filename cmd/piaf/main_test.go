package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/store"
)

type result struct {
	err    error
	stdout string
	stderr string
}

func runCmd(t *testing.T, stdin string, environ map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	e := env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, getenv: func(k string) string { return environ[k] }}
	err := run(context.Background(), args, e)
	return result{err: err, stdout: out.String(), stderr: errOut.String()}
}

func TestHelp(t *testing.T) {
	r := runCmd(t, "", nil, "--help")
	if !errors.Is(r.err, flag.ErrHelp) || !strings.Contains(r.stdout, "piaf user add") || !strings.Contains(r.stdout, "-addr") {
		t.Fatalf("help: %v\n%s", r.err, r.stdout)
	}
	r = runCmd(t, "", nil, "serve", "--help")
	if !errors.Is(r.err, flag.ErrHelp) || !strings.Contains(r.stderr, "PIAF_ADDR") {
		t.Fatalf("serve help: %v\n%s", r.err, r.stderr)
	}
}

func TestCommandErrors(t *testing.T) {
	data := t.TempDir()
	cases := []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"frobnicate"}, "", `unknown command "frobnicate"`},
		{[]string{"serve", "--tls-cert", "c.pem"}, "", "--tls-cert and --tls-key go together"},
		{[]string{"serve", "--addr", "nonsense"}, "", "want host:port"},
		{[]string{"user", "add", "--data", data}, "", "--email is required"},
		{[]string{"user", "add", "--data", data, "--email", "a@example.org"}, "", "give the password on standard input"},
		{[]string{"user", "add", "--data", data, "--email", "a@example.org"}, "short\n", "password: use at least 12 characters"},
		{[]string{"token", "create", "--data", data, "--email", "nobody@example.org", "--name", "ci"}, "", "no account with email"},
		{[]string{"backup", "--data", data}, "", "missing argument"},
		{[]string{"backup", "--data", data, "a.db", "b.db"}, "", "unexpected argument"},
		{[]string{"backup", "out.db", "--data", data}, "", "flags must come before arguments"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCmd(t, tc.stdin, nil, tc.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", r.err, tc.want)
			}
			if strings.Contains(r.err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", r.err)
			}
		})
	}
}

func TestUserTokenAndBackupCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	r := runCmd(t, "a long enough passphrase\n", nil, "user", "add", "--data", data, "--email", "dpo@example.org", "--admin")
	if r.err != nil || !strings.Contains(r.stdout, "created administrator dpo@example.org") {
		t.Fatalf("user add: %v %s", r.err, r.stdout)
	}
	if r := runCmd(t, "a long enough passphrase\n", nil, "user", "add", "--data", data, "--email", "DPO@example.org"); r.err == nil || !strings.Contains(r.err.Error(), "exists already") {
		t.Fatalf("duplicate user: %v", r.err)
	}
	r = runCmd(t, "", map[string]string{"PIAF_DATA": data}, "token", "create", "--email", "dpo@example.org", "--name", "ci")
	if r.err != nil || !strings.HasPrefix(r.stdout, store.TokenPrefix) {
		t.Fatalf("token create: %v %q", r.err, r.stdout)
	}
	r = runCmd(t, "", nil, "user", "list", "--data", data)
	if r.err != nil || !strings.Contains(r.stdout, "dpo@example.org") {
		t.Fatalf("user list: %v %s", r.err, r.stdout)
	}
	r = runCmd(t, "", nil, "user", "reset", "--data", data, "--email", "dpo@example.org", "--base-url", "https://piaf.example.org")
	if r.err != nil || !strings.HasPrefix(r.stdout, "https://piaf.example.org/password/") {
		t.Fatalf("user reset: %v %s", r.err, r.stdout)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if r := runCmd(t, "", nil, "backup", "--data", data, copyPath); r.err != nil {
		t.Fatalf("backup: %v", r.err)
	}
	st, err := store.OpenFile(context.Background(), copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.UserByEmail(context.Background(), "dpo@example.org"); err != nil {
		t.Fatalf("backup lacks the user: %v", err)
	}
}

// TestServeFirstRunAndShutdown starts the real server, checks that it prints a setup link when
// there is no account, serves, and stops cleanly when its context ends.
func TestServeFirstRunAndShutdown(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	e := env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr, getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--addr", addr, "--data", data}, e) }()
	waitFor(t, func() bool {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
		}
		return err == nil && res.StatusCode == 200
	})
	if !strings.Contains(stderr.String(), "setup_url=http://"+addr+"/setup/") {
		t.Errorf("no setup link in the log:\n%s", stderr.String())
	}
	info, err := os.Stat(data)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("data folder: %v %v", err, info)
	}
	keys, err := os.ReadDir(filepath.Join(data, "keys"))
	if err != nil || len(keys) == 0 {
		t.Errorf("no signing keys made at first start: %v", err)
	}
	for _, k := range keys {
		if info, _ := k.Info(); info.Mode().Perm() != 0o600 {
			t.Errorf("key file %s has mode %v", k.Name(), info.Mode().Perm())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if !strings.Contains(stderr.String(), "stopped cleanly") {
		t.Errorf("no clean stop in the log:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(data, store.FileName+"-wal")); !os.IsNotExist(err) {
		t.Errorf("the WAL was not checkpointed on close: %v", err)
	}
}

func TestServeAdminFromEnvironment(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	environ := map[string]string{"PIAF_ADMIN_EMAIL": "root@example.org", "PIAF_ADMIN_PASSWORD": "password", "PIAF_DATA": data, "PIAF_ADDR": freeAddr(t)}
	var out syncBuffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(k string) string { return environ[k] }}
	if err := run(ctx, nil, e); err == nil || !strings.Contains(err.Error(), "PIAF_ADMIN_PASSWORD") {
		t.Fatalf("weak admin password accepted: %v", err)
	}
	environ["PIAF_ADMIN_PASSWORD"] = "a long enough passphrase"
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, e) }()
	st := openWhenReady(t, data)
	waitFor(t, func() bool { _, err := st.UserByEmail(ctx, "root@example.org"); return err == nil })
	// Stop only once it serves: a cancel during start-up is a start-up error, rightly.
	waitFor(t, func() bool { return strings.Contains(out.String(), "piaf is serving") })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func openWhenReady(t *testing.T, data string) *store.Store {
	var st *store.Store
	waitFor(t, func() bool {
		var err error
		st, err = store.Open(context.Background(), data)
		return err == nil
	})
	t.Cleanup(func() { st.Close() })
	return st
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitFor polls until ok or a generous deadline; it bounds a hang, it does not measure speed.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is a log sink the server goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRemindCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if r := runCmd(t, "", nil, "remind", "--data", data); r.err == nil || !strings.Contains(r.err.Error(), "--once") {
		t.Errorf("without --once: %v", r.err)
	}
	if r := runCmd(t, "", nil, "remind", "--once", "--data", data, "--at", "tomorrow"); r.err == nil || !strings.Contains(r.err.Error(), "RFC 3339") {
		t.Errorf("bad --at: %v", r.err)
	}
	r := runCmd(t, "", nil, "remind", "--once", "--dry-run", "--data", data, "--at", "2027-03-01T09:00:00Z")
	if r.err != nil || !strings.Contains(r.stdout, "dry run as of 2027-03-01T09:00:00Z: 0 reminders due") {
		t.Fatalf("dry run: %v %q", r.err, r.stdout)
	}
	r = runCmd(t, "", map[string]string{"PIAF_SMTP_HOST": "mail.example.org", "PIAF_SMTP_TLS": "sometimes"}, "remind", "--once", "--data", data)
	if r.err == nil || !strings.Contains(r.err.Error(), "PIAF_SMTP") {
		t.Errorf("bad SMTP environment: %v", r.err)
	}
}

func TestCommandsAreAudited(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	runCmd(t, "a long enough passphrase\n", nil, "user", "add", "--data", data, "--email", "root@example.org", "--admin")
	runCmd(t, "", nil, "token", "create", "--data", data, "--email", "root@example.org", "--name", "ci")
	runCmd(t, "", nil, "user", "reset", "--data", data, "--email", "root@example.org")
	st, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, _, err := st.AuditEntries(context.Background(), store.AuditQuery{})
	if err != nil || len(entries) != 3 {
		t.Fatalf("%d audit entries, want 3: %v", len(entries), err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.ActorEmail, "cli") {
			t.Errorf("actor %q", e.ActorEmail)
		}
	}
}
