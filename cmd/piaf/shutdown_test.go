package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// Review of issue 17, item 13: a client stalled mid-upload held shutdown for 30 s, and the exit
// was an error.
func TestShutdownDoesNotWaitForAStalledUpload(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
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
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Announce a 4 MB upload; the server's "100 Continue" says a handler is reading the body.
	// Send the start of it, then stall.
	fmt.Fprintf(conn, "POST /verify HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 4000000\r\nExpect: 100-continue\r\n\r\n", addr)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("the server did not start reading the body: %q %v", line, err)
	}
	fmt.Fprint(conn, "--b\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v, want a clean stop", err)
	}
	if !strings.Contains(stderr.String(), "stopped cleanly") {
		t.Errorf("no clean stop in the log:\n%s", stderr.String())
	}
}
