package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/store"
)

// Review of issue 17, item 8: an empty piaf.db started a brand-new instance silently.
func TestOpenRefusesAnExistingFileWithoutSchema(t *testing.T) {
	ctx := context.Background()
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, store.FileName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(foreign, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE notes (body TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for name, dir := range map[string]string{"empty file": empty, "another program's database": foreign} {
		for open, fn := range map[string]func(context.Context, string) (*store.Store, error){
			"Open": store.Open, "OpenCurrent": store.OpenCurrent, "OpenReadOnly": store.OpenReadOnly,
		} {
			s, err := fn(ctx, dir)
			if err == nil {
				s.Close()
				t.Errorf("%s: %s opened it", name, open)
				continue
			}
			if !errors.Is(err, store.ErrNoDatabase) || !strings.Contains(err.Error(), "move it away") && open != "OpenReadOnly" {
				t.Errorf("%s: %s: %v, want ErrNoDatabase saying what to do", name, open, err)
			}
		}
	}
	// A new folder, and a file piaf made, still open.
	dir := filepath.Join(t.TempDir(), "new")
	for i := 0; i < 2; i++ {
		s, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatalf("open %d: %v", i+1, err)
		}
		s.Close()
	}
}

func TestOpenReadOnlyRefusesWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := store.OpenReadOnly(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.CreateUser(ctx, store.NewUser{Email: "a@example.org"}); err == nil {
		t.Error("a write through a read-only store succeeded")
	}
}

// Review of issue 17, item 9: a killed 'piaf backup' left a file that opened as an empty
// database. The helper process writes a backup of a large database; the test kills it while
// it writes and checks that FILE is either absent or a whole copy.
func TestKilledBackupLeavesNoFile(t *testing.T) {
	if os.Getenv("PIAF_BACKUP_HELPER") != "" {
		s, err := store.Open(context.Background(), os.Getenv("PIAF_BACKUP_HELPER"))
		if err != nil {
			os.Exit(3)
		}
		s.Backup(context.Background(), os.Getenv("PIAF_BACKUP_TARGET"))
		os.Exit(0)
	}
	ctx := context.Background()
	data := t.TempDir()
	s, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(data, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE ballast (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3000) INSERT INTO ballast SELECT randomblob(16384) FROM n"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s.Close()

	out := t.TempDir()
	target := filepath.Join(out, "backup.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledBackupLeavesNoFile$")
	cmd.Env = append(os.Environ(), "PIAF_BACKUP_HELPER="+data, "PIAF_BACKUP_TARGET="+target)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill the helper as soon as anything appears in the output folder: the backup is being written.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(target); errors.Is(err, os.ErrNotExist) {
		return
	}
	// If the backup finished before the kill, FILE must be the whole database.
	b, err := store.OpenFile(ctx, target)
	if err != nil {
		t.Fatalf("the backup left after a kill does not open: %v", err)
	}
	defer b.Close()
	copied, err := sql.Open("sqlite", "file:"+target+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	var n int
	if err := copied.QueryRow("SELECT count(*) FROM ballast").Scan(&n); err != nil || n != 3000 {
		t.Errorf("the backup left after a kill holds %d of 3000 rows (%v)", n, err)
	}
}
