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
