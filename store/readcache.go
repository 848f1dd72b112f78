package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// The dashboard's lists and counts and the project list's pages are read far more often than the
// instance changes, and their cost grows with the instance (counts read up to CountCap rows;
// an administrator's project count reads every project). readCache keeps their results until
// the next write through this store: every write transaction and every statement on the writer
// moves a generation number on, and a result is served only while the generation it was read
// at is still the current one. Changes made by another process (a piaf command run beside the
// server) are seen after at most cacheTTL.

// cacheTTL bounds how long a result is kept even without a write through this store.
const cacheTTL = 5 * time.Second

// cacheEntries bounds the number of results kept; past it the cache starts again empty.
const cacheEntries = 4096

type readCache struct {
	gen     atomic.Uint64
	mu      sync.Mutex
	entries map[string]cacheEntry
	now     func() time.Time
}

type cacheEntry struct {
	gen   uint64
	at    time.Time
	value any
}

func newReadCache() *readCache {
	return &readCache{entries: map[string]cacheEntry{}, now: time.Now}
}

// changed marks every result read before it as stale.
func (c *readCache) changed() {
	if c != nil {
		c.gen.Add(1)
	}
}

// cached returns the value kept under key if nothing was written since it was read, or reads
// it with load and keeps it. The generation is taken before load runs, so a write committed
// while load runs makes its result stale rather than kept as current.
func cached[T any](c *readCache, key string, load func() (T, error)) (T, error) {
	if c == nil {
		return load()
	}
	gen := c.gen.Load()
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && e.gen == gen && now.Sub(e.at) < cacheTTL {
		return e.value.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.entries) >= cacheEntries {
		c.entries = map[string]cacheEntry{}
	}
	c.entries[key] = cacheEntry{gen: gen, at: now, value: v}
	c.mu.Unlock()
	return v, nil
}

func cacheKey(parts ...any) string { return fmt.Sprintf("%#v", parts) }

// writer is the writer pool seen through the cache: every statement on it may change what a
// cached result shows. (Statements inside a transaction go through the *sql.Tx instead, and
// the transaction's commit moves the generation on.)
type writer struct {
	db    *sql.DB
	cache *readCache
}

func (w writer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer w.cache.changed()
	return w.db.ExecContext(ctx, query, args...)
}

func (w writer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	defer w.cache.changed()
	return w.db.QueryContext(ctx, query, args...)
}

func (w writer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	defer w.cache.changed()
	return w.db.QueryRowContext(ctx, query, args...)
}

// cacheFor is the cache to read through: none inside a transaction, whose reads must see its
// own writes.
func (s *Store) cacheFor() *readCache {
	if s.inTx != nil {
		return nil
	}
	return s.cache
}
