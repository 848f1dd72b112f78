package web

import (
	"context"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/templates"
)

const (
	// historyEntries is how many entries (single revisions, or runs of saves by one person) the
	// history page lists at once.
	historyEntries = 30
	// historyRead is how many revisions one query reads while a page of entries is gathered, and
	// historyReadMax how many one page reads at most: a run of saves longer than that continues
	// on the next page.
	historyRead    = 200
	historyReadMax = 2000
)

// historyPageOf gathers one page of the history below before (zero: from the latest), newest
// first: consecutive saves by one person within assessments.HistoryWindow, with nobody else in
// between, form one entry; a status change stands alone. Storage keeps one revision per save;
// only the list groups them. older is where the next page starts (revisions numbered below it),
// zero when there is none.
func (s *Server) historyPageOf(ctx context.Context, a *assessments.Assessment, before int) (entries []templates.HistoryEntry, older int, err error) {
	var revs []*assessments.Revision
	more := true
	for more && len(revs) < historyReadMax {
		from := before
		if n := len(revs); n > 0 {
			from = revs[n-1].Number
		}
		chunk, err := s.store.RevisionPage(ctx, a.ID, from, historyRead)
		if err != nil {
			return nil, 0, err
		}
		revs = append(revs, chunk...)
		more = len(chunk) == historyRead && chunk[len(chunk)-1].Number > 1
		if len(assessments.GroupHistory(heads(revs), assessments.HistoryWindow)) > historyEntries {
			break // the first page's entries are complete: another one follows them
		}
	}
	if len(revs) == 0 {
		return nil, 0, nil
	}
	more = revs[len(revs)-1].Number > 1
	// The newest state listed is checked against its recorded hash (see revisionPage).
	if _, err := s.store.StatesAt(ctx, a.ID, revs[0].Number); err != nil {
		return nil, 0, err
	}
	groups, older := assessments.GroupPage(heads(revs), assessments.HistoryWindow, more)
	if len(groups) > historyEntries {
		groups = groups[:historyEntries]
		older = groups[historyEntries-1].From
	}
	names, err := s.memberNames(ctx, a.ProjectID)
	if err != nil {
		return nil, 0, err
	}
	byNumber := make(map[int]*assessments.Revision, len(revs))
	for _, r := range revs {
		if r.AuthorName == "" {
			r.AuthorName = names[r.AuthorID]
		}
		byNumber[r.Number] = r
	}
	for _, g := range groups {
		e := templates.HistoryEntry{Entry: g}
		for _, h := range g.Revisions {
			e.Revisions = append(e.Revisions, byNumber[h.Number])
		}
		entries = append(entries, e)
	}
	return entries, older, nil
}

// heads is what grouping needs of each revision.
func heads(revs []*assessments.Revision) []assessments.RevisionHead {
	out := make([]assessments.RevisionHead, len(revs))
	for i, r := range revs {
		out[i] = assessments.RevisionHead{Number: r.Number, Author: r.AuthorID, AuthorName: r.AuthorName, At: r.CreatedAt,
			Summary: r.Summary, Milestone: r.Change.Status != ""}
	}
	return out
}

// memberNames are the display names of a project's members, by user id.
func (s *Server) memberNames(ctx context.Context, projectID int64) (map[int64]string, error) {
	members, err := s.store.Members(ctx, projectID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(members))
	for _, m := range members {
		out[m.UserID] = m.Name
	}
	return out, nil
}
