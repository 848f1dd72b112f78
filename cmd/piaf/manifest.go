package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/piaf-dev/piaf/assessments/manifest"
)

// pathList is a repeatable flag.
type pathList []string

func (p *pathList) String() string     { return strings.Join(*p, ",") }
func (p *pathList) Set(v string) error { *p = append(*p, v); return nil }

// manifestCommand hashes what a training run uses, for an approval to name and a gate to check.
func manifestCommand(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf manifest", "piaf manifest [--model PATH|ID@REVISION] [--adapter PATH] [--data PATH]... [--config FILE] [--commit SHA] [--json]", e)
	var spec manifest.Spec
	fs.StringVar(&spec.Model, "model", "", "base model: a file or folder to hash, or ID@REVISION to record by name")
	fs.StringVar(&spec.Adapter, "adapter", "", "adapter weights: a file or folder")
	fs.Var((*pathList)(&spec.Data), "data", "a dataset file or folder (repeat for several)")
	fs.StringVar(&spec.Config, "config", "", "the training configuration file")
	fs.StringVar(&spec.Commit, "commit", "", "the full commit hash of the training code")
	asJSON := fs.Bool("json", false, "print the manifest as canonical JSON (RFC 8785) with its digest")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if spec.Model == "" && spec.Adapter == "" && len(spec.Data) == 0 && spec.Config == "" {
		return fmt.Errorf("manifest: give at least one of --model, --adapter, --data, --config")
	}
	m, err := manifest.Build(ctx, spec)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if *asJSON {
		_, err := fmt.Fprintf(e.stdout, "%s\n", m.Document())
		return err
	}
	for _, en := range m.Entries {
		if en.Ref != "" {
			fmt.Fprintf(e.stdout, "%-8s %-64s %14s  %s\n", en.Role, "(by name, not hashed)", "", en.Ref)
			continue
		}
		fmt.Fprintf(e.stdout, "%-8s %s %14d  %s\n", en.Role, en.SHA256, en.Size, en.Path)
	}
	if m.Commit != "" {
		fmt.Fprintf(e.stdout, "commit   %s\n", m.Commit)
	}
	f := m.Figures()
	fmt.Fprintf(e.stdout, "%.0f files, %.0f bytes; manifest digest %s\n", f["files"], f["bytes"], m.Digest())
	return nil
}
