package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

// verifyCommand checks a report exported by this instance: a PDF, or Markdown with its .sig.
// It exits 0 only when the report is valid.
func verifyCommand(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf verify", "piaf verify [--data DIR] [--sig FILE.sig] FILE", e)
	data := dataFlag(fs, e)
	sigPath := fs.String("sig", "", "detached signature of a Markdown report (default: FILE.sig when it exists)")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	path := fs.Arg(0)
	file, err := readLimited(path, 64<<20)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	var sig []byte
	switch {
	case *sigPath != "":
		if sig, err = readLimited(*sigPath, 1<<20); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
	default:
		if b, err := readLimited(path+".sig", 1<<20); err == nil {
			sig = b
		}
	}
	if _, err := os.Stat(filepath.Join(*data, store.FileName)); err != nil {
		return fmt.Errorf("verify: no piaf database in %s (use --data or PIAF_DATA)", *data)
	}
	st, err := store.OpenCurrent(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	wf := workflow.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), workflow.Config{KeysDir: filepath.Join(*data, "keys")})
	res, err := wf.Verify(ctx, file, sig)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if !res.Valid {
		return fmt.Errorf("verify: %s is NOT valid: %s", path, res.Problem)
	}
	fmt.Fprintf(e.stdout, "%s: valid %s report, signed by %s\n", path, res.Kind, res.Signer)
	switch {
	case res.Known && res.Approved:
		fmt.Fprintf(e.stdout, "project %q, assessment cycle %d, revision %d: the approved revision (approved by %s on %s)\n",
			res.Project, res.Cycle, res.Revision, res.ApprovedBy, res.ApprovedAt.UTC().Format(time.RFC3339))
	case res.Known:
		fmt.Fprintf(e.stdout, "project %q, assessment cycle %d, revision %d: NOT the approved revision (a draft)\n", res.Project, res.Cycle, res.Revision)
	case res.StateHash != "":
		fmt.Fprintf(e.stdout, "revision SHA-256 %s is not held by this instance\n", res.StateHash)
	}
	return nil
}
