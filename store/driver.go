package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// SQLite compiles every statement before it runs, and compiling was about a quarter of the CPU
// of an answer save: every request parsed the same constant queries again. The store's
// connections therefore keep the statements they compiled, per connection, inside the driver:
// database/sql, given a connection without ExecContext and QueryContext of its own, prepares each
// query on it, runs it and closes it, and that prepare now returns the connection's compiled
// statement and that close keeps it. Because the cache belongs to the connection, it serves the
// pools and the transactions of Atomic and WithAudit alike, with nothing to hand between them.

// driverName is the caching driver, registered once.
const driverName = "piaf-sqlite"

func init() { sql.Register(driverName, cachingDriver{&sqlite.Driver{}}) }

// maxCachedStatements bounds each connection's cache: the store's SQL is constants and a few
// filter combinations; a query built from unbounded input (lists of placeholders) past the bound
// runs uncached.
const maxCachedStatements = 256

type cachingDriver struct{ d *sqlite.Driver }

func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.d.Open(name)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: c, stmts: map[string]*cachedStmt{}}, nil
}

// cachingConn is a SQLite connection that keeps its compiled statements. database/sql uses a
// connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
}

// cachedStmt is a kept statement; busy while rows read from it are open, when the same query
// asked again (a query inside the loop over its own rows) gets a statement of its own.
type cachedStmt struct {
	driver.Stmt
	busy bool
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := c.stmts[query]; ok && !st.busy {
		return &keptStmt{st}, nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, taken := c.stmts[query]; taken || len(c.stmts) >= maxCachedStatements {
		return st, nil // closed by its caller, as usual
	}
	cs := &cachedStmt{Stmt: st}
	c.stmts[query] = cs
	return &keptStmt{cs}, nil
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

func (c *cachingConn) Close() error {
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Stmt.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.Conn.Close())...)
}

// keptStmt is a use of a cached statement: its Close keeps the statement for the next use.
type keptStmt struct{ st *cachedStmt }

func (k *keptStmt) Close() error { return nil }

func (k *keptStmt) NumInput() int { return k.st.NumInput() }

func (k *keptStmt) Exec(args []driver.Value) (driver.Result, error) {
	return k.st.Exec(args) //nolint:staticcheck // database/sql calls ExecContext
}

func (k *keptStmt) Query(args []driver.Value) (driver.Rows, error) {
	return k.st.Query(args) //nolint:staticcheck // database/sql calls QueryContext
}

func (k *keptStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return k.st.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (k *keptStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := k.st.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	k.st.busy = true
	return &keptRows{Rows: rows, st: k.st}, nil
}

// keptRows frees its statement for the next use when closed.
type keptRows struct {
	driver.Rows
	st *cachedStmt
}

func (r *keptRows) Close() error {
	r.st.busy = false
	return r.Rows.Close()
}
