package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/piaf-dev/piaf/assessments"
)

// ErrNotApproved refuses tracking on an assessment that is not approved: before approval,
// mitigations change through revisions like any other content.
var ErrNotApproved = errors.New("store: the assessment is not approved")

// Tracking is a change to record on a mitigation of an approved assessment.
type Tracking struct {
	AssessmentID int64
	Change       assessments.TrackingChange
	ByID         int64
	ByName       string  // display name, kept with the record
	ByEmail      string  // for the audit entry
	ClientAddr   string  // for the audit entry
	Members      []int64 // user ids that may own a mitigation
}

// TrackMitigation appends a tracking record, moves the mitigations projection (so due dates,
// reminders and dashboards follow) and writes the audit entry, in one transaction. The approved
// state, its revision and its hash stay as they were. ErrNotApproved, assessments.ErrNoMitigation
// and an *assessments.FieldError are the refusals.
func (s *Store) TrackMitigation(ctx context.Context, t Tracking) (*assessments.TrackingRecord, *assessments.Mitigation, error) {
	var rec *assessments.TrackingRecord
	var current *assessments.Mitigation
	err := s.tx(ctx, func(tx *sql.Tx) error {
		a, err := scanAssessment(tx.QueryRowContext(ctx, "SELECT "+assessmentColumns+" FROM assessments WHERE id = ?", t.AssessmentID))
		if err != nil {
			return err
		}
		if a.Status != assessments.Approved {
			return ErrNotApproved
		}
		if _, ok := a.State.Mitigations[t.Change.Mitigation]; !ok {
			return assessments.ErrNoMitigation
		}
		records, err := trackingRecords(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		view := assessments.ViewTracking(a.State, records)
		current, err = assessments.ApplyTracking(view.Mitigations[t.Change.Mitigation].Current, t.Change, t.Members)
		if err != nil {
			return err
		}
		r := assessments.TrackingRecord{Seq: len(records) + 1, Change: t.Change, ByID: t.ByID, ByName: t.ByName,
			At: s.now().UTC(), Revision: a.Revision, ApprovedHash: a.StateHash, PrevHash: assessments.TrackingGenesis}
		if n := len(records); n > 0 {
			r.PrevHash = records[n-1].Hash
		}
		// The precision it is stored with, which the hash covers.
		if r.At, err = parseTime(formatTime(r.At)); err != nil {
			return err
		}
		r.Hash = r.ComputeHash()
		change, err := json.Marshal(r.Change)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO mitigation_tracking (assessment_id, seq, mitigation_id, change, by_id, by_name, at,
			revision, state_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, r.Seq, t.Change.Mitigation, string(change),
			r.ByID, r.ByName, formatTime(r.At), r.Revision, r.ApprovedHash, r.PrevHash, r.Hash); err != nil {
			return fmt.Errorf("store: track mitigation: %w", err)
		}
		if err := projectTracked(ctx, tx, a.ID, current, formatTime(r.At)); err != nil {
			return err
		}
		after := view.Current(a.State).Apply(assessments.Change{Mitigations: map[string]*assessments.Mitigation{t.Change.Mitigation: current}})
		if err := projectEvidence(ctx, tx, a.ID, after); err != nil {
			return err
		}
		rec = &r
		return s.AuditTx(ctx, tx, AuditEvent{ActorID: t.ByID, ActorEmail: t.ByEmail, ClientAddr: t.ClientAddr, Action: "mitigation.track",
			Target: AuditTarget("assessment", a.ID), Details: map[string]any{"mitigation": t.Change.Mitigation, "seq": r.Seq,
				"change": json.RawMessage(change), "revision": r.Revision, "state_hash": r.ApprovedHash, "hash": r.Hash}})
	})
	if err != nil {
		return nil, nil, err
	}
	return rec, current, nil
}

func projectTracked(ctx context.Context, tx *sql.Tx, assessmentID int64, m *assessments.Mitigation, at string) error {
	var due any
	if m.Due != "" {
		due = m.Due
	}
	_, err := tx.ExecContext(ctx, `UPDATE mitigations SET owner_id = ?, due = ?, status = ?, tracked_at = ?
		WHERE assessment_id = ? AND mitigation_id = ?`, nullID(m.Owner), due, string(m.Status), at, assessmentID, m.ID)
	if err != nil {
		return fmt.Errorf("store: project tracking: %w", err)
	}
	return nil
}

// overlayTracking brings the projection of an assessment's mitigations to their tracked state
// after project rebuilt it from the state.
func overlayTracking(ctx context.Context, tx *sql.Tx, id int64, s assessments.State) error {
	records, err := trackingRecords(ctx, tx, id)
	if err != nil || len(records) == 0 {
		return err
	}
	view := assessments.ViewTracking(s, records)
	for mid, t := range view.Mitigations {
		if t.Moved() {
			last := t.Changes[len(t.Changes)-1]
			t.Current.ID = mid
			if err := projectTracked(ctx, tx, id, t.Current, formatTime(last.At)); err != nil {
				return err
			}
		}
	}
	return projectEvidence(ctx, tx, id, view.Current(s))
}

// projectEvidence sets the evidenced residual level of each finding from the state as tracked.
func projectEvidence(ctx context.Context, tx *sql.Tx, id int64, tracked assessments.State) error {
	for fid, f := range tracked.Findings {
		e := assessments.EffectiveResidual(tracked, f)
		if _, err := tx.ExecContext(ctx, "UPDATE findings SET evidenced_level = ?, projected = ? WHERE assessment_id = ? AND finding_id = ?",
			int(e.Level), boolInt(e.Projected), id, fid); err != nil {
			return fmt.Errorf("store: project evidence: %w", err)
		}
	}
	return nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func trackingRecords(ctx context.Context, q querier, assessmentID int64) ([]assessments.TrackingRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, change, by_id, by_name, at, revision, state_hash, prev_hash, hash
		FROM mitigation_tracking WHERE assessment_id = ? ORDER BY seq`, assessmentID)
	if err != nil {
		return nil, fmt.Errorf("store: tracking: %w", err)
	}
	defer rows.Close()
	var out []assessments.TrackingRecord
	for rows.Next() {
		var r assessments.TrackingRecord
		var change string
		if err := rows.Scan(&r.Seq, &change, &r.ByID, &r.ByName, timeCol{&r.At}, &r.Revision, &r.ApprovedHash, &r.PrevHash, &r.Hash); err != nil {
			return nil, fmt.Errorf("store: scan tracking: %w", err)
		}
		if err := json.Unmarshal([]byte(change), &r.Change); err != nil {
			return nil, fmt.Errorf("store: tracking %d: %w", r.Seq, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MitigationTracking lists an assessment's tracking records, oldest first.
func (s *Store) MitigationTracking(ctx context.Context, assessmentID int64) ([]assessments.TrackingRecord, error) {
	return trackingRecords(ctx, s.read, assessmentID)
}

// TrackedState is an assessment's state with its tracking laid over, and the view of both.
func (s *Store) TrackedState(ctx context.Context, a *assessments.Assessment) (assessments.State, assessments.TrackingView, error) {
	records, err := s.MitigationTracking(ctx, a.ID)
	if err != nil {
		return assessments.State{}, assessments.TrackingView{}, err
	}
	v := assessments.ViewTracking(a.State, records)
	return v.Current(a.State), v, nil
}

// VerifyMitigationTracking checks an assessment's tracking chain; it returns the seq of the first
// broken record, or 0 when the chain holds.
func (s *Store) VerifyMitigationTracking(ctx context.Context, assessmentID int64) (int, error) {
	records, err := s.MitigationTracking(ctx, assessmentID)
	if err != nil {
		return 0, err
	}
	return assessments.VerifyTracking(records), nil
}
