package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// pool is a *sql.DB whose queries reuse prepared statements. SQLite compiles every statement
// before it runs, and compiling was the largest single cost of a save and of a page (about a
// fifth of the CPU in BenchmarkConcurrentAnswerSaves): the same few dozen constant queries
// were parsed again on every request. A statement prepared on the pool is prepared once per
// connection by database/sql and kept.
type pool struct {
	*sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// maxCachedStatements bounds the cache: the store's SQL is constants and a few filter
// combinations, so the bound is only a guard against a query built from unbounded input
// (lists of placeholders), which then runs uncached.
const maxCachedStatements = 512

func newPool(db *sql.DB) *pool { return &pool{DB: db, stmts: map[string]*sql.Stmt{}} }

// stmt returns the prepared statement for query, or nil when it is not cached and cannot be
// (several statements in one string, a full cache, or a prepare error, which the uncached call
// then reports).
func (p *pool) stmt(ctx context.Context, query string) *sql.Stmt {
	p.mu.RLock()
	st := p.stmts[query]
	p.mu.RUnlock()
	if st != nil {
		return st
	}
	if strings.Contains(query, ";") {
		return nil
	}
	p.mu.RLock()
	full := len(p.stmts) >= maxCachedStatements
	p.mu.RUnlock()
	if full {
		return nil
	}
	// Prepared outside the lock: on the writer pool, preparing waits for the one connection,
	// which a transaction may hold while it asks the cache for a statement.
	st, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if have := p.stmts[query]; have != nil {
		st.Close()
		return have
	}
	p.stmts[query] = st
	return st
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, query, args...)
}

// Close closes the cached statements, then the database.
func (p *pool) Close() error {
	p.mu.Lock()
	for q, st := range p.stmts {
		st.Close()
		delete(p.stmts, q)
	}
	p.mu.Unlock()
	return p.DB.Close()
}

// inTx returns query as a statement of tx, reusing the statement prepared on the writer's
// connection when query is one of the writes prepared at open (hotWrites). Others are
// compiled by tx as before: preparing on the pool inside a transaction would wait for the
// very connection the transaction holds.
func (p *pool) inTx(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	p.mu.RLock()
	st := p.stmts[query]
	p.mu.RUnlock()
	if st == nil {
		return nil
	}
	return tx.StmtContext(ctx, st)
}

// txQueryRow and txExec run query in tx, through a prepared statement when there is one.
func (p *pool) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := p.inTx(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

func (p *pool) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := p.inTx(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// prepareHotWrites prepares the statements of an answer save on the writer, before any
// transaction can hold its connection.
func (p *pool) prepareHotWrites(ctx context.Context) {
	for _, q := range hotWrites {
		p.stmt(ctx, q)
	}
}
