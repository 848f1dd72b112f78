package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrNoDatabase means a database file is missing, empty, or holds no piaf schema.
var ErrNoDatabase = errors.New("store: not a piaf database")

// requireSchema refuses a database file that exists but was never initialised by piaf: opened
// as is, it would silently start a brand-new instance.
func (s *Store) requireSchema(ctx context.Context) error {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").Scan(&n)
	if err != nil {
		return fmt.Errorf("store: %s: %w", s.path, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s exists but holds no piaf schema; restore a backup, or move it away to start a new instance", ErrNoDatabase, s.path)
	}
	return nil
}

// OpenReadOnly opens the database in dir for commands that only read (audit verify, backup,
// user list): nothing is created or migrated, every write fails, and it works on a read-only
// folder such as an archived backup's. The schema must be the one this binary expects.
func OpenReadOnly(ctx context.Context, dir string) (*Store, error) {
	path := filepath.Join(dir, FileName)
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: no database in %s (%w)", ErrNoDatabase, dir, err)
	}
	if info.Size() == 0 {
		return nil, fmt.Errorf("%w: %s is empty (0 bytes)", ErrNoDatabase, path)
	}
	s, err := openReadOnly(ctx, path, "mode=ro")
	if err != nil {
		// A database in WAL mode needs its shared-memory file beside it, which SQLite cannot
		// create in a read-only folder. Nothing can be writing to a database there either, so
		// it may be read as immutable.
		s, err = openReadOnly(ctx, path, "mode=ro&immutable=1")
	}
	if err != nil {
		return nil, err
	}
	if err := s.requireSchema(ctx); err != nil {
		s.Close()
		return nil, err
	}
	have, err := s.schemaVersion(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if want := latestMigration(); have != want {
		s.Close()
		return nil, fmt.Errorf("%w: the database is at version %d, this piaf expects %d; use the matching binary", ErrSchema, have, want)
	}
	return s, nil
}

func openReadOnly(ctx context.Context, path, mode string) (*Store, error) {
	db, err := sql.Open(driverName, "file:"+path+"?"+mode+"&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s read-only: %w", path, err)
	}
	// Both pools are the read-only one: a write through this Store fails instead of happening.
	return &Store{writeDB: db, readDB: db, write: db, read: db, path: path, now: time.Now}, nil
}

// readOnly says whether the store was opened by OpenReadOnly, whose writes all fail.
func (s *Store) readOnly() bool { return s.writeDB == s.readDB }
