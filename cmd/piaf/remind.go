package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

// remindCommand runs one reminder pass from the shell: for a cron job on an instance that runs
// without its scheduler, to catch up by hand, or with --dry-run to see what would go out.
func remindCommand(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf remind", "piaf remind --once [--data DIR] [--at TIME] [--dry-run]", e)
	data := dataFlag(fs, e)
	once := fs.Bool("once", false, "run one pass and exit (required: the server runs passes itself)")
	at := fs.String("at", "", "evaluate as of this time, RFC 3339 (e.g. 2027-03-01T09:00:00Z); default now")
	dry := fs.Bool("dry-run", false, "print what would be sent, send nothing and record nothing")
	baseURL := fs.String("base-url", envOr(e, "PIAF_BASE_URL", ""), "address users reach piaf at, for links in reminders (env PIAF_BASE_URL; default: the server's)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if !*once {
		return errors.New("remind: say --once; the server sends reminders by itself every few minutes")
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return fmt.Errorf("remind: --at %q is not an RFC 3339 time like 2027-03-01T09:00:00Z", *at)
		}
		now = t
	}
	cfg := workflow.Config{BaseURL: workflow.DefaultBaseURL}
	smtp, err := smtpFromEnv(e)
	if err != nil {
		return err
	}
	cfg.SMTP = smtp
	cfg.AllowPrivateWebhooks, _ = strconv.ParseBool(envOr(e, "PIAF_ALLOW_PRIVATE_WEBHOOKS", "false"))
	st, err := store.OpenCurrent(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.BaseURL, err = st.Setting(ctx, "base_url", cfg.BaseURL); err != nil {
		return err
	}
	if *baseURL != "" {
		cfg.BaseURL = *baseURL
	}
	wf := workflow.New(st, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), cfg)
	rep, err := wf.RemindOnce(ctx, now, *dry)
	if err != nil {
		return fmt.Errorf("remind: %w", err)
	}
	if *dry {
		for _, l := range rep.Lines {
			fmt.Fprintln(e.stdout, l)
		}
		fmt.Fprintf(e.stdout, "dry run as of %s: %d reminders due, %d would be sent now\n", now.UTC().Format(time.RFC3339), rep.Due, rep.Queued)
		return nil
	}
	fmt.Fprintf(e.stdout, "as of %s: %d reminders due, %d newly queued, %d delivered, %d failed\n", now.UTC().Format(time.RFC3339), rep.Due, rep.Queued, rep.Sent, rep.Failed)
	if rep.Failed > 0 {
		return fmt.Errorf("remind: %d deliveries failed; they are retried on the next pass", rep.Failed)
	}
	return nil
}
