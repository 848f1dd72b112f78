package store

import (
	"context"
	"fmt"
)

// The dashboard's totals and the administrator's project count are kept by triggers (migration
// 0015): counters holds counts, due_days counts by date what falls due, both over the current
// assessments (the latest cycle of each active project). Reading them costs the same on any
// size of instance; the lists themselves read a page in index order.

// counter reads a kept count.
func (s *Store) counter(ctx context.Context, name string) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, "SELECT n FROM counters WHERE name = ?", name).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: counter %s: %w", name, err)
	}
	return n, nil
}

// dueCount sums the kept counts of kind due from from (included; empty: since ever) to before
// (excluded), dates as YYYY-MM-DD. It reads one row per date that has any.
func (s *Store) dueCount(ctx context.Context, kind, from, before string) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, "SELECT coalesce(sum(n), 0) FROM due_days WHERE kind = ? AND day >= ? AND day < ?",
		kind, from, before).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: due count %s: %w", kind, err)
	}
	return n, nil
}

// CheckCounters recounts the kept counts from the tables they summarise and describes every
// difference; none means they are right.
func (s *Store) CheckCounters(ctx context.Context) ([]string, error) {
	var problems []string
	var wrong int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM assessments WHERE current IS NOT
		(cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = assessments.project_id)
		AND (SELECT archived_at IS NULL FROM projects p WHERE p.id = assessments.project_id))`).Scan(&wrong); err != nil {
		return nil, fmt.Errorf("store: check counters: %w", err)
	}
	if wrong > 0 {
		problems = append(problems, fmt.Sprintf("%d assessments are wrongly marked as their project's current cycle", wrong))
	}
	rows, err := s.read.QueryContext(ctx, `WITH want (name, n) AS (VALUES
			('projects.active', (SELECT count(*) FROM projects WHERE archived_at IS NULL)),
			('projects.archived', (SELECT count(*) FROM projects WHERE archived_at IS NOT NULL)),
			('risks.open_high', (SELECT count(*) FROM findings f JOIN assessments a ON a.id = f.assessment_id AND a.current = 1
				WHERE f.live = 1 AND f.status = 'open' AND f.residual_level >= 3)),
			('reassessments.required', (SELECT count(*) FROM assessments WHERE current = 1 AND status = 'approved'
				AND coalesce(reassessment_reason, '') <> '')))
		SELECT want.name, want.n, coalesce(c.n, -1) FROM want LEFT JOIN counters c ON c.name = want.name WHERE c.n IS NOT want.n
		UNION ALL
		SELECT kind || ' ' || day, sum(want), sum(kept) FROM (
			SELECT 'mitigation' AS kind, mi.due AS day, 1 AS want, 0 AS kept FROM mitigations mi JOIN assessments a ON a.id = mi.assessment_id AND a.current = 1
				WHERE mi.findings > 0 AND mi.due IS NOT NULL AND mi.status IN ('planned', 'in_progress')
			UNION ALL
			SELECT 'acceptance', f.acceptance_expires, 1, 0 FROM findings f JOIN assessments a ON a.id = f.assessment_id AND a.current = 1
				WHERE f.live = 1 AND f.status = 'accepted' AND f.acceptance_expires IS NOT NULL
			UNION ALL
			SELECT 'review', next_review_at, 1, 0 FROM assessments WHERE current = 1 AND status = 'approved'
				AND coalesce(reassessment_reason, '') = '' AND next_review_at IS NOT NULL
			UNION ALL
			SELECT kind, day, 0, n FROM due_days)
		GROUP BY kind, day HAVING sum(want) <> sum(kept)`)
	if err != nil {
		return nil, fmt.Errorf("store: check counters: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var want, kept int
		if err := rows.Scan(&name, &want, &kept); err != nil {
			return nil, err
		}
		problems = append(problems, fmt.Sprintf("the kept count %s is %d, the tables hold %d", name, kept, want))
	}
	return problems, rows.Err()
}

// through is the bound that makes dueCount include the date day.
func through(day string) string { return day + "\x00" }

// dueSoonTotal is the administrator's "due soon" total, from the kept counts: re-assessments
// required, reviews due by horizon, mitigations due from today to horizon, acceptances expiring
// by horizon.
func (s *Store) dueSoonTotal(ctx context.Context, today, horizon string) (int, error) {
	total, err := s.counter(ctx, "reassessments.required")
	if err != nil {
		return 0, err
	}
	for _, part := range []struct{ kind, from, before string }{
		{"review", "", through(horizon)}, {"mitigation", today, through(horizon)}, {"acceptance", "", through(horizon)},
	} {
		n, err := s.dueCount(ctx, part.kind, part.from, part.before)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}
