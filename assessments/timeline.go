package assessments

import "time"

// RevisionHead is what the history list needs of one revision, without its change.
type RevisionHead struct {
	Number     int       `json:"number"`
	Author     int64     `json:"author"`
	AuthorName string    `json:"author_name"` // display name, for the page
	At         time.Time `json:"at"`
	Summary    string    `json:"summary"`
	Milestone  bool      `json:"milestone"` // the revision changed the status (submit, decision); never grouped
}

// HistoryEntry is one line of the history: a single revision, or consecutive saves by one person
// that expand into their revisions.
type HistoryEntry struct {
	Author    int64          `json:"author"`
	From      int            `json:"from"` // revision numbers, From <= To
	To        int            `json:"to"`
	First     time.Time      `json:"first_at"`
	Last      time.Time      `json:"last_at"`
	Revisions []RevisionHead `json:"revisions"` // newest first
}

// HistoryWindow is the longest pause between two saves by one person that still joins them.
const HistoryWindow = 15 * time.Minute

// GroupHistory groups heads, newest first as the store pages them, into entries, newest first:
// consecutive revisions by one author, each within window of the one before, with nobody else
// in between, form one entry. A milestone stands alone. Storage is untouched: one revision per save.
func GroupHistory(heads []RevisionHead, window time.Duration) []HistoryEntry {
	var out []HistoryEntry
	for _, h := range heads {
		if n := len(out); n > 0 {
			e := &out[n-1]
			last := e.Revisions[len(e.Revisions)-1] // the oldest so far, just after h
			if !h.Milestone && !last.Milestone && h.Author == e.Author && last.At.Sub(h.At) <= window && last.At.Sub(h.At) >= 0 {
				e.Revisions = append(e.Revisions, h)
				e.From, e.First = h.Number, h.At
				continue
			}
		}
		out = append(out, HistoryEntry{Author: h.Author, From: h.Number, To: h.Number, First: h.At, Last: h.At, Revisions: []RevisionHead{h}})
	}
	return out
}

// GroupPage groups one page of heads (newest first). When more revisions follow the page, the
// last entry may continue on the next page, so it is held back and before says where the next
// page starts (revisions numbered below it); before is 0 when there is no next page. A page that
// is a single entry is returned whole, so paging always moves on.
func GroupPage(heads []RevisionHead, window time.Duration, more bool) (entries []HistoryEntry, before int) {
	entries = GroupHistory(heads, window)
	if !more || len(entries) == 0 {
		return entries, 0
	}
	if len(entries) == 1 {
		return entries, entries[0].From
	}
	held := entries[len(entries)-1]
	return entries[:len(entries)-1], held.To + 1
}
