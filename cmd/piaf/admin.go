package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/user"
	"strings"
	"text/tabwriter"

	"github.com/piaf-dev/piaf/assessments/passwords"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

func userCommand(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return errors.New("user: say what to do: add, list or reset; see 'piaf help'")
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, args[1:], e)
	case "list":
		return userList(ctx, args[1:], e)
	case "reset":
		return userReset(ctx, args[1:], e)
	}
	return fmt.Errorf("user: unknown command %q; use add, list or reset", args[0])
}

func userAdd(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf user add", "piaf user add [--data DIR] --email E [--name N] [--admin] < password", e)
	data := dataFlag(fs, e)
	email := fs.String("email", "", "email address of the new account (required)")
	name := fs.String("name", "", "display name")
	admin := fs.Bool("admin", false, "make the account an administrator")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("user add: --email is required")
	}
	password, err := readSecret(e)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	if err := passwords.CheckPolicy(password, *email); err != nil {
		return fmt.Errorf("user add: password: %v", err)
	}
	// The same rules as the admin form: check before touching the database.
	in := workflow.UserInput{Email: *email, Name: *name, Admin: *admin, Password: password}
	if err := in.Check().Err(); err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	st, err := store.OpenCurrent(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	wf := workflow.New(st, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), workflow.Config{})
	u, _, err := wf.CreateUser(ctx, cliActor(), in)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	role := "user"
	if u.IsAdmin {
		role = "administrator"
	}
	fmt.Fprintf(e.stdout, "created %s %s (id %d)\n", role, u.Email, u.ID)
	return nil
}

// readSecret reads the first line of standard input, so passwords stay out of shell history and
// the process list.
func readSecret(e env) (string, error) {
	sc := bufio.NewScanner(e.stdin)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return "", err
		}
		return "", errors.New("give the password on standard input, e.g. printf '%s\\n' \"$PASSWORD\" | piaf user add ...")
	}
	return strings.TrimRight(sc.Text(), "\r"), nil
}

func userList(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf user list", "piaf user list [--data DIR]", e)
	data := dataFlag(fs, e)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	st, err := store.OpenReadOnly(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tADMIN\tSTATUS")
	for _, u := range users {
		status := "active"
		switch {
		case u.Disabled():
			status = "disabled"
		case u.PasswordHash == "":
			status = "invited"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%t\t%s\n", u.ID, u.Email, u.Name, u.IsAdmin, status)
	}
	return tw.Flush()
}

func userReset(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf user reset", "piaf user reset [--data DIR] [--base-url URL] --email E", e)
	data := dataFlag(fs, e)
	email := fs.String("email", "", "email of the account (required)")
	baseURL := fs.String("base-url", envOr(e, "PIAF_BASE_URL", "http://127.0.0.1:8080"), "address users reach piaf at (env PIAF_BASE_URL)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	st, err := store.OpenCurrent(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user reset: no account with email %q", *email)
	}
	if err != nil {
		return err
	}
	var token string
	err = st.WithAudit(ctx, cliEvent(store.AuditUserResetLink, store.AuditTarget("user", u.ID), map[string]any{"email": u.Email}), func(tx *store.Store) (err error) {
		token, err = tx.CreateLink(ctx, store.LinkReset, u.ID, store.LinkReset.MaxLifetime())
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s/password/%s\n", strings.TrimRight(*baseURL, "/"), token)
	return nil
}

func tokenCommand(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("token: the command is 'piaf token create --email E --name N'")
	}
	fs := newFlags("piaf token create", "piaf token create [--data DIR] --email E --name N", e)
	data := dataFlag(fs, e)
	email := fs.String("email", "", "email of the account the token acts for (required)")
	name := fs.String("name", "", "what the token is for (required)")
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	if *email == "" || strings.TrimSpace(*name) == "" {
		return errors.New("token create: --email and --name are required")
	}
	st, err := store.OpenCurrent(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("token create: no account with email %q", *email)
	}
	if err != nil {
		return err
	}
	if u.Disabled() {
		return fmt.Errorf("token create: the account %s is disabled", u.Email)
	}
	var secret string
	err = st.WithAudit(ctx, cliEvent(store.AuditTokenCreate, store.AuditTarget("user", u.ID), map[string]any{"name": strings.TrimSpace(*name)}), func(tx *store.Store) (err error) {
		_, secret, err = tx.CreateAPIToken(ctx, u.ID, strings.TrimSpace(*name))
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	return nil
}

func backup(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf backup", "piaf backup [--data DIR] FILE", e)
	data := dataFlag(fs, e)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	st, err := store.OpenReadOnly(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup written to %s\n", fs.Arg(0))
	return nil
}

// cliActor is the system acting from a shell on the server's machine, named in the audit log.
func cliActor() workflow.Actor {
	who := "cli"
	if u, err := user.Current(); err == nil {
		who = "cli:" + u.Username
	}
	return workflow.Actor{As: who}
}

// cliEvent describes a command run on the server, with the operating system user as the actor.
// Commands record it in the transaction of the change (store.WithAudit), so a change is never
// made without its entry.
func cliEvent(action, target string, details map[string]any) store.AuditEvent {
	return store.AuditEvent{ActorEmail: cliActor().As, Action: action, Target: target, Details: details}
}
