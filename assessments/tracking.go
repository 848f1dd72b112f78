package assessments

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TrackingChange moves one mitigation of an approved assessment on: its status, owner, due date
// or evidence notes; nil fields stay as they are. It never touches the approved state: it is
// recorded beside it, so the approved content and its hash stay what the reviewer signed off.
type TrackingChange struct {
	Mitigation string            `json:"mitigation"`
	Status     *MitigationStatus `json:"status,omitempty"`
	Owner      *int64            `json:"owner,omitempty"`
	Due        *string           `json:"due,omitempty"`
	Evidence   *string           `json:"evidence,omitempty"`
}

// Empty tells whether the change changes nothing.
func (c TrackingChange) Empty() bool {
	return c.Status == nil && c.Owner == nil && c.Due == nil && c.Evidence == nil
}

// TrackingRecord is one recorded tracking change: who, when, on which approved revision, and
// its place in the assessment's chain of tracking records.
type TrackingRecord struct {
	Seq          int            `json:"seq"` // 1, 2, ... per assessment
	Change       TrackingChange `json:"change"`
	ByID         int64          `json:"by_id"`
	ByName       string         `json:"by_name"`
	At           time.Time      `json:"at"`
	Revision     int            `json:"revision"`   // the approved revision it tracks
	ApprovedHash string         `json:"state_hash"` // that revision's state hash
	PrevHash     string         `json:"prev_hash"`
	Hash         string         `json:"hash"`
}

// TrackingGenesis is the PrevHash of an assessment's first tracking record.
var TrackingGenesis = strings.Repeat("0", 64)

// ComputeHash is the hex SHA-256 of the record: after a version tag each field is written as its
// length and its bytes, so no field can shift into its neighbour. The change is its JSON.
func (r TrackingRecord) ComputeHash() string {
	change, _ := json.Marshal(r.Change)
	h := sha256.New()
	for _, f := range []string{"piaf-tracking-v1", strconv.Itoa(r.Seq), string(change), strconv.FormatInt(r.ByID, 10), r.ByName,
		r.At.UTC().Format(time.RFC3339Nano), strconv.Itoa(r.Revision), r.ApprovedHash, r.PrevHash} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		io.WriteString(h, f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// VerifyTracking checks that records, in order, form an unbroken chain; it returns the 1-based
// position of the first record that does not, or 0 when all do.
func VerifyTracking(records []TrackingRecord) int {
	prev := TrackingGenesis
	for i, r := range records {
		if r.Seq != i+1 || r.PrevHash != prev || r.ComputeHash() != r.Hash {
			return i + 1
		}
		prev = r.Hash
	}
	return 0
}

// ApplyTracking checks a tracking change against the mitigation as currently tracked and returns
// the mitigation after it; members are the user ids that may own a mitigation. The same rules
// hold as before approval: a verified mitigation needs evidence, an owner is a project member.
func ApplyTracking(current *Mitigation, c TrackingChange, members []int64) (*Mitigation, error) {
	if c.Empty() {
		return nil, fieldErr("status", "change the status, owner, due date or evidence")
	}
	m := *current
	in := MitigationInput{Status: c.Status, Owner: c.Owner, Due: c.Due, Evidence: c.Evidence}
	in.applyTo(&m)
	if err := checkMitigation(&m, members); err != nil {
		return nil, err
	}
	return &m, nil
}

// Tracked is a mitigation as approved beside its current tracking.
type Tracked struct {
	ID         string            `json:"id"`
	AsApproved *Mitigation       `json:"as_approved"`
	Current    *Mitigation       `json:"current"`
	Changes    []*TrackingRecord `json:"changes,omitempty"` // oldest first
}

// Moved tells whether tracking changed the mitigation since approval.
func (t Tracked) Moved() bool { return len(t.Changes) > 0 }

// TrackingView is an approved state with its mitigations' tracking: the register, dashboards,
// reminders and reports show both.
type TrackingView struct {
	Mitigations map[string]*Tracked `json:"mitigations"`
}

// ViewTracking lays records (oldest first) over the approved state's mitigations. Records for a
// mitigation the state does not hold are ignored (they cannot be appended, see the store).
func ViewTracking(approved State, records []TrackingRecord) TrackingView {
	v := TrackingView{Mitigations: map[string]*Tracked{}}
	for id, m := range approved.Mitigations {
		v.Mitigations[id] = &Tracked{ID: id, AsApproved: m, Current: m}
	}
	for i := range records {
		r := &records[i]
		t, ok := v.Mitigations[r.Change.Mitigation]
		if !ok {
			continue
		}
		m := *t.Current
		MitigationInput{Status: r.Change.Status, Owner: r.Change.Owner, Due: r.Change.Due, Evidence: r.Change.Evidence}.applyTo(&m)
		t.Current = &m
		t.Changes = append(t.Changes, r)
	}
	return v
}

// Current is the approved state with every mitigation as currently tracked: what a new cycle
// carries over. It is never hashed as the approved state.
func (v TrackingView) Current(approved State) State {
	next := approved.clone()
	for id, t := range v.Mitigations {
		if t.Moved() {
			next.Mitigations[id] = t.Current
		}
	}
	return next
}

// Sorted lists the tracked mitigations by due date (undated last), then id.
func (v TrackingView) Sorted() []*Tracked {
	var out []*Tracked
	for _, t := range v.Mitigations {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Tracked) int {
		da, db := a.Current.Due, b.Current.Due
		switch {
		case da == db:
			return strings.Compare(a.ID, b.ID)
		case da == "":
			return 1
		case db == "":
			return -1
		}
		return strings.Compare(da, db)
	})
	return out
}
