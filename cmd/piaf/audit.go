package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/piaf-dev/piaf/store"
)

func auditCommand(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("audit: the command is 'piaf audit verify [--data DIR]'")
	}
	fs := newFlags("piaf audit verify", "piaf audit verify [--data DIR]", e)
	data := dataFlag(fs, e)
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	// Read-only: an archived backup in a read-only folder can be checked, and a folder without
	// a database is an error rather than a new, empty database called intact.
	st, err := store.OpenReadOnly(ctx, *data)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	defer st.Close()
	rep, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if rep.Bad != nil {
		fmt.Fprintf(e.stdout, "audit log BROKEN: %s intact before entry #%d\n", countEntries(rep.Entries), rep.Bad.Seq)
		return fmt.Errorf("audit verify: %s", rep.Bad)
	}
	// The head is printed so that it can be recorded elsewhere: entries removed from the end
	// leave an intact, shorter chain that only a recorded head exposes.
	fmt.Fprintf(e.stdout, "audit log intact: %s, head #%d sha256 %s\n", countEntries(rep.Entries), rep.HeadSeq, rep.HeadHash)
	return nil
}

func countEntries(n int64) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}
