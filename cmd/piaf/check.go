package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/piaf-dev/piaf/store"
)

// checkCommand looks for damage in the database: SQLite's integrity check, every revision
// history against its hashes and the audit chain, in one report. It only reads, so it works on
// an archived backup in a read-only folder.
func checkCommand(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf check", "piaf check [--data DIR] [--json]", e)
	data := dataFlag(fs, e)
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	st, err := store.OpenReadOnly(ctx, *data)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer st.Close()
	rep, err := st.Check(ctx)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if *asJSON {
		out := struct {
			OK bool `json:"ok"`
			*store.CheckReport
		}{rep.OK(), rep}
		if err := json.NewEncoder(e.stdout).Encode(out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "database file: %s\n", rep.Integrity)
		if rep.Integrity == "ok" {
			fmt.Fprintf(e.stdout, "foreign keys: %d violations\n", rep.ForeignKeyViolations)
			fmt.Fprintf(e.stdout, "revisions: %d in %d assessments replayed against their hashes\n", rep.Revisions, rep.Assessments)
		}
		if rep.Audit != nil && rep.Audit.Bad == nil {
			fmt.Fprintf(e.stdout, "audit log: intact, %s, head #%d sha256 %s\n", countEntries(rep.Audit.Entries), rep.Audit.HeadSeq, rep.Audit.HeadHash)
		}
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "PROBLEM: %s\n", p)
		}
	}
	if !rep.OK() {
		return errors.New("check: the database is damaged; restore a backup (and keep this copy for inspection)")
	}
	if !*asJSON {
		fmt.Fprintln(e.stdout, "no damage found")
	}
	return nil
}
