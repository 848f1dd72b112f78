// Package store keeps piaf's state in one SQLite file: raw SQL, explicit scans, one file per entity.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"modernc.org/sqlite" // registers the pure-Go "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// cacheSize is each connection's page cache, in SQLite's units (negative: KiB): SQLite's
// default of 2 MB, said here so the seed can put it back.
const cacheSize = -2000

// FileName is the database file inside the data folder.
const FileName = "piaf.db"

var (
	// ErrNotFound means the row does not exist (or is not visible to the caller).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means the row changed since the caller read it.
	ErrConflict = errors.New("store: changed since it was read")
	// ErrUnique means a unique value is already taken.
	ErrUnique = errors.New("store: already exists")
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the database: one writer connection, because SQLite has one writer at a time and a
// single connection queues writes in Go instead of failing them, beside a pool of readers.
type Store struct {
	writeDB *sql.DB
	readDB  *sql.DB
	// write and read are the handles queries go through: the two pools, or, inside Atomic, both
	// the one open transaction (so reads see its writes).
	write dbtx
	read  dbtx
	inTx  *sql.Tx
	path  string
	now   func() time.Time
	// cache keeps the dashboard's and project list's results until the next write (readcache.go).
	cache *readCache
}

// dbtx is what *sql.DB and *sql.Tx have in common.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Open creates the data folder (mode 0700) if needed, opens the database in it and applies any
// pending migrations.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data folder: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName))
}

// ErrSchema means the database's schema is not the one this binary expects.
var ErrSchema = errors.New("store: the database schema differs from this piaf's")

// OpenCurrent opens the database in dir for a command run beside a server: it creates a new
// database, but never migrates an existing one, since the server running on it may be an older
// or newer binary. Only the server migrates.
func OpenCurrent(ctx context.Context, dir string) (*Store, error) {
	if _, err := os.Stat(filepath.Join(dir, FileName)); errors.Is(err, os.ErrNotExist) {
		return Open(ctx, dir)
	}
	s, err := openFile(ctx, filepath.Join(dir, FileName), false)
	if err != nil {
		return nil, err
	}
	have, err := s.schemaVersion(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if want := latestMigration(); have != want {
		s.Close()
		return nil, fmt.Errorf("%w: the database is at version %d, this piaf expects %d; run this piaf's server once to migrate, or use the matching binary", ErrSchema, have, want)
	}
	return s, nil
}

func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

func latestMigration() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	latest := 0
	for _, name := range names {
		var v int
		if _, err := fmt.Sscanf(filepath.Base(name), "%04d_", &v); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}

// OpenFile opens the database at path, applying pending migrations.
func OpenFile(ctx context.Context, path string) (*Store, error) { return openFile(ctx, path, true) }

func openFile(ctx context.Context, path string, migrate bool) (*Store, error) {
	existed := false
	if info, err := os.Stat(path); err == nil {
		existed = true
		if info.Size() == 0 {
			// An empty file would open as a new, empty database: old tokens fail and a setup
			// link is offered, as if this were a brand-new instance.
			return nil, fmt.Errorf("%w: %s is empty (0 bytes); restore a backup, or move it away to start a new instance", ErrNoDatabase, path)
		}
	}
	// busy_timeout comes first so that the pragmas after it already wait for a busy database.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	write, err := sql.Open(driverName, "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open(driverName, "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	// Readers: SQLite reads are CPU work, so two per core keep the cores busy; each holds its own
	// page cache and compiled statements, so more cost memory for nothing. They all stay open:
	// database/sql's default of two idle connections closed and reopened the rest under load.
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	cache := newReadCache()
	s := &Store{writeDB: write, readDB: read, write: writer{write, cache}, read: read, path: path, now: time.Now, cache: cache}
	if existed {
		if err := s.requireSchema(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	if !migrate {
		return s, nil
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// The database holds sensitive descriptions of an organisation's data: owner only. SQLite
	// gives its WAL and shared-memory files the database file's mode.
	if err := os.Chmod(path, 0o600); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return s, nil
}

// SetClock replaces the clock used for timestamps (tests move time instead of sleeping).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes both pools; the last close checkpoints the WAL into the main file.
func (s *Store) Close() error {
	if s.readDB == s.writeDB { // opened read-only: one pool
		return s.readDB.Close()
	}
	return errors.Join(s.readDB.Close(), s.writeDB.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// IntegrityCheck runs PRAGMA integrity_check and foreign_key_check.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	var result string
	if err := s.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("store: integrity check: %s", result)
	}
	rows, err := s.read.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("store: foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		return errors.New("store: foreign key check: dangling references")
	}
	return rows.Err()
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		var version int
		base := filepath.Base(name)
		if _, err := fmt.Sscanf(base, "%04d_", &version); err != nil {
			return fmt.Errorf("store: migration %s: name must start with a number", base)
		}
		if err := s.applyMigration(ctx, version, name); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration runs one migration in its own transaction, so a failing one leaves the database
// at the previous version.
func (s *Store) applyMigration(ctx context.Context, version int, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var applied int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", version).Scan(&applied); err != nil {
			return err
		}
		if applied > 0 {
			return nil
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			version, filepath.Base(name), s.stamp())
		return err
	})
}

// tx runs fn in a write transaction and commits when it returns nil. Inside Atomic it joins the
// transaction already open.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if s.inTx != nil {
		return fn(s.inTx)
	}
	tx, err := s.writeDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	err = tx.Commit()
	s.cache.changed() // after the commit: a result read from now on sees it
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Atomic runs fn with a store whose every read and write goes through one write transaction, and
// commits when fn returns nil: a change and its audit entry (st.Audit) are recorded together or
// not at all. fn must use only st, never the outer store: the one writer connection is taken, so
// a write through the outer store would wait for ever. Inside Atomic, Atomic joins the same
// transaction.
func (s *Store) Atomic(ctx context.Context, fn func(st *Store) error) error {
	if s.inTx != nil {
		return fn(s)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		st := *s
		st.write, st.read, st.inTx = tx, tx, tx
		return fn(&st)
	})
}

// WithAudit makes a change and records e, which describes it, in one transaction. change may be
// nil; when it fails nothing is recorded, and when the entry cannot be written the change is
// undone and the error returned.
func (s *Store) WithAudit(ctx context.Context, e AuditEvent, change func(st *Store) error) error {
	return s.Atomic(ctx, func(st *Store) error {
		if change != nil {
			if err := change(st); err != nil {
				return err
			}
		}
		return st.Audit(ctx, e)
	})
}

const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func (s *Store) stamp() string { return formatTime(s.now()) }

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// ErrBadTime means a stored timestamp does not parse: the row was written by something else.
var ErrBadTime = errors.New("store: malformed timestamp")

func parseTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w %q", ErrBadTime, v)
	}
	return t, nil
}

// timeCol scans a TEXT timestamp into dst, failing the scan on a malformed value instead of
// reading it as the zero time.
type timeCol struct{ dst *time.Time }

func (c timeCol) Scan(src any) error {
	v, err := textOf(src)
	if err != nil {
		return err
	}
	*c.dst, err = parseTime(v)
	return err
}

// nullTimeCol scans a nullable TEXT timestamp: NULL or empty is nil.
type nullTimeCol struct{ dst **time.Time }

func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.dst = nil
		return nil
	}
	v, err := textOf(src)
	if err != nil || v == "" {
		*c.dst = nil
		return err
	}
	t, err := parseTime(v)
	if err != nil {
		return err
	}
	*c.dst = &t
	return nil
}

func textOf(src any) (string, error) {
	switch v := src.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("%w: %T", ErrBadTime, src)
}

// isUniqueViolation reads SQLite's extended result code, never its message text.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Checkpoint copies the write-ahead log into the database file.
func (s *Store) Checkpoint(ctx context.Context) error {
	_, err := s.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}
