package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// env is the outside world a command sees; tests give it buffers and a fake environment.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

const usage = `piaf: privacy impact assessments for LLM fine-tuning.

Usage:
  piaf [serve] [flags]                      run the web server (the default)
  piaf user add [--data DIR] --email E [--name N] [--admin]
                                            create an account; the password is read from stdin
  piaf user list [--data DIR]               list accounts
  piaf user reset [--data DIR] --email E    print a one-time password reset link
  piaf token create [--data DIR] --email E --name N
                                            create an API token and print it
  piaf backup [--data DIR] FILE             write a consistent copy of the database to FILE
  piaf verify [--data DIR] [--sig FILE.sig] FILE
                                            check a signed report (exit 0 only when valid)
  piaf remind --once [--data DIR] [--at TIME] [--dry-run]
                                            run one reminder pass (the server runs them itself)
  piaf audit verify [--data DIR]            check that the audit log's hash chain is unbroken
  piaf check [--data DIR] [--json]          look for damage: database file, revision hashes,
                                            audit chain (exit 0 only when none is found)
  piaf questionnaire lint FILE              check a questionnaire YAML file, mitigations included
  piaf questionnaire show [--data DIR] [--version N] KEY
                                            print a questionnaire's sections, questions and rules
  piaf mia eval [--lower-is-member] [--svg OUT.svg] [--json] FILE
                                            membership-inference figures from scores
                                            (CSV score,member or JSON members/non_members)
  piaf canary exposure --canaries FILE --references FILE [--json]
                                            exposure of inserted canaries against reference losses
  piaf manifest [--model PATH|ID@REVISION] [--adapter PATH] [--data PATH]...
                [--config FILE] [--commit SHA] [--json]
                                            hash what a training run uses (canonical JSON with --json)
  piaf gate --server URL --token TOKEN --project ID [--manifest FILE]
                                            ask a piaf server whether a run may start (exit 0 allowed,
                                            1 refused, 2 could not ask; env PIAF_URL, PIAF_TOKEN)
  piaf dp epsilon (--n N --batch B | --q Q) --sigma S (--epochs E | --steps T) --delta D
          [--accountant rdp|pld] [--orders LIST] [--sampling poisson|shuffle] [--json]
                                            epsilon of a DP-SGD run (RDP, or PLD: tighter, slower)
  piaf dp rdp --q Q --sigma S --steps T [--orders LIST] [--json]
                                            RDP of the subsampled Gaussian at each order
  piaf dp sigma --target-epsilon E (--n N --batch B | --q Q) (--epochs E | --steps T) --delta D
          [--accountant rdp|pld] [--orders LIST] [--json]
                                            smallest noise multiplier within a target epsilon
  piaf pii scan [--format jsonl|csv|tsv|text] [--field F]... [--column C]... [--spans] [--json] FILE|-
                                            count personal data per type in a dataset (gzip too)
  piaf pii redact --mode mask|pseudonymize [--key-file K] [--format F] [--field F]... [--column C]... FILE|-
                                            write the dataset with each detection replaced
  piaf seed [--data DIR] [--projects N] [--assessments M] [--revisions R] [--users U]
            [--password P] [--force] [--json]
                                            write a large made-up instance, for demos and
                                            benchmarks only (refuses real content without --force)
  piaf help                                 show this text

Every command that uses the database takes --data (or PIAF_DATA) and works while the server
runs. Flags come before other arguments. 'piaf COMMAND --help' explains a command's flags.
`

// run dispatches to a subcommand. The first argument selects it; none, or a flag, means serve.
func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "-help" {
		return serve(ctx, args, e)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, e)
	case "user":
		return userCommand(ctx, rest, e)
	case "token":
		return tokenCommand(ctx, rest, e)
	case "backup":
		return backup(ctx, rest, e)
	case "remind":
		return remindCommand(ctx, rest, e)
	case "verify":
		return verifyCommand(ctx, rest, e)
	case "audit":
		return auditCommand(ctx, rest, e)
	case "check":
		return checkCommand(ctx, rest, e)
	case "questionnaire":
		return questionnaireCommand(ctx, rest, e)
	case "mia":
		return miaCommand(ctx, rest, e)
	case "canary":
		return canaryCommand(ctx, rest, e)
	case "manifest":
		return manifestCommand(ctx, rest, e)
	case "gate":
		return gateCommand(ctx, rest, e)
	case "dp":
		return dpCommand(rest, e)
	case "pii":
		return piiCommand(ctx, rest, e)
	case "seed":
		return seedCommand(ctx, rest, e)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(e.stdout, usage)
		fmt.Fprintln(e.stdout, "\nServer flags (piaf serve --help):")
		fs, _ := serveFlags(e)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	return fmt.Errorf("unknown command %q; run 'piaf help' for the list", cmd)
}

// newFlags makes a flag set that reports errors to stderr and returns them instead of exiting.
func newFlags(name, synopsis string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// envOr is the environment variable's value, or def when it is unset.
func envOr(e env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

func dataFlag(fs *flag.FlagSet, e env) *string {
	return fs.String("data", envOr(e, "PIAF_DATA", "data"), "data folder holding the database and keys (env PIAF_DATA)")
}

// parse parses flags and checks the number of positional arguments.
func parse(fs *flag.FlagSet, args []string, positional int) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != positional {
		if fs.NArg() > positional {
			return fmt.Errorf("%s: unexpected argument %q (flags must come before arguments)", fs.Name(), fs.Arg(positional))
		}
		return fmt.Errorf("%s: missing argument; see '%s --help'", fs.Name(), fs.Name())
	}
	return nil
}
