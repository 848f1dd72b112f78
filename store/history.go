package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/piaf-dev/piaf/assessments"
)

// checkpointEvery is how often a revision keeps the whole state (revision_checkpoints): a past
// state is rebuilt from at most this many changes after the nearest checkpoint. It was 32, which
// made checkpoints about two thirds of a large database; a page of 50 revisions now replays at
// most 177 changes (decoding a change and applying it costs microseconds, hashing the 50 states
// shown costs the same as before). Checkpoints written at other intervals stay valid: readers
// take the nearest one below, whatever its number.
const checkpointEvery = 128

// CheckpointAt tells whether the revision numbered number keeps the whole state.
func CheckpointAt(number int) bool { return number%checkpointEvery == 0 }

// ErrHistoryAltered means a state rebuilt from the stored revisions does not hash as recorded.
var ErrHistoryAltered = errors.New("store: the stored history does not match its recorded hashes (history altered?)")

// writeCheckpoint keeps the state after revision number when it is a checkpoint.
func writeCheckpoint(ctx context.Context, tx *sql.Tx, id int64, number int, s assessments.State) error {
	if !CheckpointAt(number) {
		return nil
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO revision_checkpoints (assessment_id, number, state) VALUES (?, ?, ?)",
		id, number, string(s.Canonical()))
	if err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}

// StatesAt rebuilds the states after the given revisions of an assessment and checks each
// against the hash recorded with its revision, so what a page shows is verified without
// replaying the whole chain: the work is the distance from the nearest checkpoint before the
// earliest number to the latest. ErrNotFound when a number is not a revision;
// ErrHistoryAltered when a rebuilt state does not match.
func (s *Store) StatesAt(ctx context.Context, assessmentID int64, numbers ...int) (map[int]assessments.State, error) {
	if len(numbers) == 0 {
		return map[int]assessments.State{}, nil
	}
	lo, hi := slices.Min(numbers), slices.Max(numbers)
	if lo < 1 {
		return nil, ErrNotFound
	}
	var start int
	var state assessments.State
	var snapshot string
	err := s.read.QueryRowContext(ctx, `SELECT number, state FROM revision_checkpoints WHERE assessment_id = ? AND number < ?
		ORDER BY number DESC LIMIT 1`, assessmentID, lo).Scan(&start, &snapshot)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		start = 0
	case err != nil:
		return nil, fmt.Errorf("store: checkpoint: %w", err)
	default:
		if err := json.Unmarshal([]byte(snapshot), &state); err != nil {
			return nil, fmt.Errorf("store: checkpoint %d of assessment %d: %w", start, assessmentID, err)
		}
	}
	want := map[int]bool{}
	for _, n := range numbers {
		want[n] = true
	}
	// The checkpoint is strictly before the earliest number, so every state returned is rebuilt
	// by at least one change and checked against its revision's hash.
	out := map[int]assessments.State{}
	rows, err := s.read.QueryContext(ctx, `SELECT number, changes, state_hash FROM revisions
		WHERE assessment_id = ? AND number > ? AND number <= ? ORDER BY number`, assessmentID, start, hi)
	if err != nil {
		return nil, fmt.Errorf("store: revisions: %w", err)
	}
	defer rows.Close()
	expect := start + 1
	for rows.Next() {
		var number int
		var changes, hash string
		if err := rows.Scan(&number, &changes, &hash); err != nil {
			return nil, fmt.Errorf("store: scan revision: %w", err)
		}
		if number != expect {
			return nil, fmt.Errorf("%w: revision %d is missing", ErrHistoryAltered, expect)
		}
		expect++
		var c assessments.Change
		if err := json.Unmarshal([]byte(changes), &c); err != nil {
			return nil, fmt.Errorf("store: revision %d changes: %w", number, err)
		}
		state = state.Apply(c)
		if want[number] {
			if state.Hash() != hash {
				return nil, fmt.Errorf("%w: revision %d of assessment %d", ErrHistoryAltered, number, assessmentID)
			}
			out[number] = state
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if expect <= hi {
		return nil, ErrNotFound
	}
	return out, nil
}

// RevisionPage lists up to limit revisions of an assessment numbered below before (zero: from
// the latest), newest first, without their changes' content beyond the status they set.
func (s *Store) RevisionPage(ctx context.Context, assessmentID int64, before, limit int) ([]*assessments.Revision, error) {
	if before <= 0 {
		before = int(^uint(0) >> 1)
	}
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.read.QueryContext(ctx, `SELECT r.number, coalesce(r.parent, 0), coalesce(r.author_id, 0), coalesce(u.email, ''),
		coalesce(u.name, ''), r.created_at, r.summary, coalesce(json_extract(r.changes, '$.status'), ''), r.state_hash
		FROM revisions r LEFT JOIN users u ON u.id = r.author_id
		WHERE r.assessment_id = ? AND r.number < ? ORDER BY r.number DESC LIMIT ?`, assessmentID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store: revisions: %w", err)
	}
	defer rows.Close()
	var out []*assessments.Revision
	for rows.Next() {
		var r assessments.Revision
		var status string
		if err := rows.Scan(&r.Number, &r.Parent, &r.AuthorID, &r.AuthorEmail, &r.AuthorName, timeCol{&r.CreatedAt}, &r.Summary, &status, &r.StateHash); err != nil {
			return nil, fmt.Errorf("store: scan revision: %w", err)
		}
		r.Change.Status = assessments.Status(status)
		out = append(out, &r)
	}
	return out, rows.Err()
}

// Revision returns one revision with its change.
func (s *Store) Revision(ctx context.Context, assessmentID int64, number int) (*assessments.Revision, error) {
	revs, err := s.Revisions(ctx, assessmentID, number-1)
	if err != nil {
		return nil, err
	}
	if number < 1 || len(revs) == 0 || revs[0].Number != number {
		return nil, ErrNotFound
	}
	return revs[0], nil
}

// BrokenHistory is an assessment whose stored revisions do not replay to their recorded hashes.
type BrokenHistory struct {
	AssessmentID int64  `json:"assessment_id"`
	Revision     int    `json:"revision"` // the first revision that does not match
	Problem      string `json:"problem"`
}

// RevisionCheck is what VerifyAllRevisions found.
type RevisionCheck struct {
	Assessments int             `json:"assessments"`
	Revisions   int             `json:"revisions"`
	Broken      []BrokenHistory `json:"broken"`
}

// VerifyAllRevisions replays every assessment's whole chain from its first revision, checking
// every state against its recorded hash, every checkpoint against the replayed state and the
// current state against the last revision. It reads one assessment at a time.
func (s *Store) VerifyAllRevisions(ctx context.Context) (RevisionCheck, error) {
	check := RevisionCheck{Broken: []BrokenHistory{}}
	var ids []int64
	rows, err := s.read.QueryContext(ctx, "SELECT id FROM assessments ORDER BY id")
	if err != nil {
		return check, fmt.Errorf("store: verify revisions: %w", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return check, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		n, broken, err := s.verifyChain(ctx, id)
		if err != nil {
			return check, err
		}
		check.Assessments++
		check.Revisions += n
		if broken != nil {
			check.Broken = append(check.Broken, *broken)
		}
	}
	return check, nil
}

func (s *Store) verifyChain(ctx context.Context, id int64) (int, *BrokenHistory, error) {
	checkpoints := map[int]string{}
	rows, err := s.read.QueryContext(ctx, "SELECT number, state FROM revision_checkpoints WHERE assessment_id = ?", id)
	if err != nil {
		return 0, nil, fmt.Errorf("store: checkpoints: %w", err)
	}
	for rows.Next() {
		var n int
		var st string
		if err := rows.Scan(&n, &st); err != nil {
			rows.Close()
			return 0, nil, err
		}
		checkpoints[n] = st
	}
	rows.Close()
	var current string
	var head int
	if err := s.read.QueryRowContext(ctx, "SELECT state_hash, revision FROM assessments WHERE id = ?", id).Scan(&current, &head); err != nil {
		return 0, nil, fmt.Errorf("store: assessment %d: %w", id, err)
	}
	rows, err = s.read.QueryContext(ctx, "SELECT number, changes, state_hash FROM revisions WHERE assessment_id = ? ORDER BY number", id)
	if err != nil {
		return 0, nil, fmt.Errorf("store: revisions: %w", err)
	}
	defer rows.Close()
	var state assessments.State
	count, last := 0, ""
	for rows.Next() {
		var number int
		var changes, hash string
		if err := rows.Scan(&number, &changes, &hash); err != nil {
			return count, nil, err
		}
		count++
		broken := func(problem string) (int, *BrokenHistory, error) {
			return count, &BrokenHistory{AssessmentID: id, Revision: number, Problem: problem}, nil
		}
		if number != count {
			return broken(fmt.Sprintf("revision %d is missing", count))
		}
		var c assessments.Change
		if err := json.Unmarshal([]byte(changes), &c); err != nil {
			return broken("the change does not decode: " + err.Error())
		}
		state = state.Apply(c)
		if state.Hash() != hash {
			return broken("the replayed state does not match the recorded hash")
		}
		if cp, ok := checkpoints[number]; ok && cp != string(state.Canonical()) {
			return broken("the checkpoint differs from the replayed state")
		}
		last = hash
	}
	if err := rows.Err(); err != nil {
		return count, nil, err
	}
	if count != head || last != current {
		return count, &BrokenHistory{AssessmentID: id, Revision: head, Problem: "the current state is not the last revision's"}, nil
	}
	return count, nil, nil
}
