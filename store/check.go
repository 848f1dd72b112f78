package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/piaf-dev/piaf/assessments"
)

// CheckReport is what Check found. Problems lists every failure in words; empty means healthy.
type CheckReport struct {
	Integrity            string                   `json:"integrity"` // "ok", or SQLite's first findings
	ForeignKeyViolations int                      `json:"foreign_key_violations"`
	Assessments          int                      `json:"assessments_checked"`
	Revisions            int                      `json:"revisions_checked"`
	Audit                *assessments.AuditReport `json:"audit,omitempty"`
	Problems             []string                 `json:"problems"`
}

// OK tells whether nothing was found wrong.
func (r *CheckReport) OK() bool { return len(r.Problems) == 0 }

// QuickCheck runs SQLite's quick_check, which reads every page of the file but skips the
// index-against-table comparison: enough to find overwritten pages at start-up. It stops when
// ctx ends, returning ctx's error.
func (s *Store) QuickCheck(ctx context.Context) (*CheckReport, error) {
	r := &CheckReport{Problems: []string{}}
	if err := s.pragmaCheck(ctx, "PRAGMA quick_check(20)", r); err != nil {
		return nil, err
	}
	return r, nil
}

// Check looks for damage in every layer piaf relies on: SQLite's integrity check and foreign
// keys, every assessment's revision history replayed against its recorded hashes, and the audit
// log's hash chain. An error means the check could not run (or ctx ended); damage is reported.
func (s *Store) Check(ctx context.Context) (*CheckReport, error) {
	r := &CheckReport{Problems: []string{}}
	if err := s.pragmaCheck(ctx, "PRAGMA integrity_check(20)", r); err != nil {
		return nil, err
	}
	if r.Integrity != "ok" {
		return r, nil // reading further damaged tables tells no more and may fail on the way
	}
	rows, err := s.read.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, fmt.Errorf("store: foreign key check: %w", err)
	}
	for rows.Next() {
		r.ForeignKeyViolations++
	}
	rows.Close()
	if r.ForeignKeyViolations > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d rows refer to rows that do not exist", r.ForeignKeyViolations))
	}
	if err := s.checkRevisions(ctx, r); err != nil {
		return nil, err
	}
	counts, err := s.CheckCounters(ctx)
	if err != nil {
		return nil, err
	}
	r.Problems = append(r.Problems, counts...)
	audit, err := s.VerifyAudit(ctx)
	if err != nil {
		return nil, err
	}
	r.Audit = &audit
	if audit.Bad != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("audit log: entry #%d %s", audit.Bad.Seq, audit.Bad.Reason))
	}
	return r, nil
}

func (s *Store) pragmaCheck(ctx context.Context, pragma string, r *CheckReport) error {
	rows, err := s.read.QueryContext(ctx, pragma)
	if err != nil {
		return fmt.Errorf("store: %s: %w", pragma, err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: %s: %w", pragma, err)
		}
		found = append(found, line)
	}
	if err := rows.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// SQLite reports some damage (a page that is not a b-tree page) as an error.
		found = append(found, err.Error())
	}
	r.Integrity = "ok"
	if len(found) != 1 || found[0] != "ok" {
		r.Integrity = fmt.Sprint(found)
		for _, f := range found {
			r.Problems = append(r.Problems, "database file: "+f)
		}
	}
	return nil
}

// checkRevisions replays every assessment's revisions and compares each state with the hash
// recorded beside it, and the last with the assessment's current hash.
func (s *Store) checkRevisions(ctx context.Context, r *CheckReport) error {
	rows, err := s.read.QueryContext(ctx, "SELECT id, state_hash FROM assessments ORDER BY id")
	if err != nil {
		return fmt.Errorf("store: check revisions: %w", err)
	}
	type head struct {
		id   int64
		hash string
	}
	var heads []head
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.id, &h.hash); err != nil {
			rows.Close()
			return fmt.Errorf("store: check revisions: %w", err)
		}
		heads = append(heads, h)
	}
	rows.Close()
	for _, h := range heads {
		r.Assessments++
		revs, err := s.read.QueryContext(ctx, "SELECT changes, state_hash FROM revisions WHERE assessment_id = ? ORDER BY number", h.id)
		if err != nil {
			return fmt.Errorf("store: check revisions: %w", err)
		}
		var changes []assessments.Change
		var hashes []string
		for revs.Next() {
			var raw, hash string
			if err := revs.Scan(&raw, &hash); err != nil {
				revs.Close()
				return fmt.Errorf("store: check revisions: %w", err)
			}
			var c assessments.Change
			if err := json.Unmarshal([]byte(raw), &c); err != nil {
				r.Problems = append(r.Problems, fmt.Sprintf("assessment %d: revision %d is not readable JSON", h.id, len(changes)+1))
			}
			changes, hashes = append(changes, c), append(hashes, hash)
		}
		revs.Close()
		r.Revisions += len(changes)
		if _, err := assessments.Replay(changes, hashes); err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("assessment %d: %v", h.id, err))
		} else if len(hashes) > 0 && hashes[len(hashes)-1] != h.hash {
			r.Problems = append(r.Problems, fmt.Sprintf("assessment %d: its current state is not its last revision's", h.id))
		}
	}
	return nil
}
