package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Backup writes a consistent copy of the database to path while others keep using it. The copy
// is written to a temporary file in the same folder and linked to path only when complete, so
// a backup that is killed half-way leaves no file at path (VACUUM INTO's own journal would roll
// a half-written file back to an empty database that opens without error).
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup: %s already exists", path)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".partial-"+strconv.Itoa(os.Getpid()))
	removeTemp := func() {
		os.Remove(tmp)
		os.Remove(tmp + "-journal")
	}
	removeTemp() // left by an earlier backup with the same process id that was killed
	if _, err := s.write.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		removeTemp()
		return fmt.Errorf("store: backup: %w", err)
	}
	defer removeTemp()
	if err := syncFile(tmp, 0o600); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	// A link, unlike a rename, never replaces a file that appeared at path meanwhile.
	if err := os.Link(tmp, path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// syncFile sets the file's mode and flushes it to disk.
func syncFile(path string, mode os.FileMode) error {
	if err := os.Chmod(path, mode); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
