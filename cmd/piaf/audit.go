package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
	// Opening a folder without a database would create an empty one and call it intact.
	if _, err := os.Stat(filepath.Join(*data, store.FileName)); err != nil {
		return fmt.Errorf("audit verify: no database in %s", *data)
	}
	st, err := store.OpenCurrent(ctx, *data)
	if err != nil {
		return err
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
