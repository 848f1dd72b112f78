// Command piaf runs the piaf server and its administration commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Everything piaf writes (database, backups, keys) is for its owner only, from the first byte.
	syscall.Umask(0o077)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	if code := exitCode(err, os.Stderr); code != 0 {
		stop()
		os.Exit(code)
	}
}

// exitError lets a command choose its exit code: main prints the error, then exits with code
// instead of 1 (piaf gate tells 'refused', 1, from 'could not ask', 2).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitCode prints a command's error as one line and says how to exit: 0 after success or help,
// the code of an exitError, else 1.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "piaf: "+err.Error())
	if ee, ok := errors.AsType[*exitError](err); ok {
		return ee.code
	}
	return 1
}
