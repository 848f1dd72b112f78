package workflow

import (
	"context"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments/field"

	"github.com/piaf-dev/piaf/store"
)

// Kinds of work, in the order the worklists show them.
var WorkKinds = []string{"review", "mitigation", "changes_requested", "review_due", "acceptance_due"}

const (
	// DefaultWithin is how far ahead (days) reviews and acceptances count as coming due.
	DefaultWithin = 30
	// MaxWithin bounds the "due within" filter: ten years.
	MaxWithin = 3660
)

// WorkFilter narrows My work. Zero fields select everything.
type WorkFilter struct {
	Kind      string // one of WorkKinds
	ProjectID int64
	// Within, in days: reviews and acceptances coming due by then; when set, mitigations too
	// (undated ones left out). Zero is DefaultWithin for reviews and acceptances and every
	// open mitigation.
	Within int
}

// ParseWorkFilter reads the filter as typed in a query string (kind, project, within) and
// refuses values that are not what they should be, naming the field.
func ParseWorkFilter(kind, project, within string) (WorkFilter, error) {
	var f WorkFilter
	p := Problems{}
	f.Kind = strings.TrimSpace(kind)
	if f.Kind != "" && !validKind(f.Kind) {
		p.Add("kind", "Choose one of "+strings.Join(WorkKinds, ", ")+".")
	}
	if project = strings.TrimSpace(project); project != "" {
		n, ok := ParseCount(project, 1<<53)
		if !ok || n < 1 || strings.Contains(project, ",") {
			p.Add("project", "Give a project id (a whole number).")
		}
		f.ProjectID = n
	}
	if within = strings.TrimSpace(within); within != "" {
		n, ok := ParseCount(within, MaxWithin)
		if !ok || n < 1 || strings.Contains(within, ",") {
			p.Add("within", "Give a number of days from 1 to "+field.Group(MaxWithin)+".")
		}
		f.Within = int(n)
	}
	return f, p.Err()
}

func validKind(k string) bool {
	for _, w := range WorkKinds {
		if w == k {
			return true
		}
	}
	return false
}

// WorkItem is one thing waiting for the actor. Overdue is set when its date (a mitigation's due
// date, a next review, an acceptance's expiry) is before today.
type WorkItem struct {
	store.WorkItem
	Overdue bool `json:"overdue"`
}

// WorkList is the actor's work of one kind, soonest first. Count is how many there are; when
// More is set there are more than the store lists in one go (store.MaxPage) and Count is
// that bound.
type WorkList struct {
	Kind  string     `json:"kind"`
	Count int        `json:"count"`
	More  bool       `json:"more"`
	Items []WorkItem `json:"items"`
}

// Work is what waits for the actor across their projects.
type Work struct {
	Today   string     `json:"today"`
	Horizon string     `json:"horizon"`
	Within  int        `json:"within_days"`
	Lists   []WorkList `json:"lists"`
}

// List is the list of one kind (empty when filtered out).
func (w *Work) List(kind string) WorkList {
	for _, l := range w.Lists {
		if l.Kind == kind {
			return l
		}
	}
	return WorkList{Kind: kind, Items: []WorkItem{}}
}

// Total is the number of items across the lists.
func (w *Work) Total() int {
	n := 0
	for _, l := range w.Lists {
		n += l.Count
	}
	return n
}

// MyWork gathers what waits for the actor in the projects they are a member of (admins too:
// their worklists follow their memberships, not their rights): assessments awaiting their
// review, their open mitigations by due date, their assessments with changes requested, and
// reviews and acceptances coming due. Each list holds at most store.MaxPage items.
func (s *Service) MyWork(ctx context.Context, who Actor, f WorkFilter) (*Work, error) {
	if who.User == nil {
		return nil, ErrNotFound
	}
	p := Problems{}
	if f.Kind != "" && !validKind(f.Kind) {
		p.Add("kind", "Choose one of "+strings.Join(WorkKinds, ", ")+".")
	}
	if f.Within < 0 || f.Within > MaxWithin {
		p.Add("within", "Give a number of days from 1 to "+field.Group(MaxWithin)+".")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if f.ProjectID != 0 {
		if _, err := s.Access(ctx, who, f.ProjectID, ActView); err != nil {
			return nil, err
		}
	}
	today := s.now().UTC()
	within := f.Within
	if within == 0 {
		within = DefaultWithin
	}
	w := &Work{Today: today.Format(time.DateOnly), Horizon: today.AddDate(0, 0, within).Format(time.DateOnly), Within: within}
	got, err := s.store.Worklist(ctx, who.User.ID, w.Horizon, store.MaxPage)
	if err != nil {
		return nil, err
	}
	lists := map[string][]store.WorkItem{"review": got.AwaitingReview, "mitigation": got.Mitigations,
		"changes_requested": got.ChangesRequested, "review_due": got.ReviewsDue, "acceptance_due": got.AcceptancesDue}
	for _, kind := range WorkKinds {
		if f.Kind != "" && f.Kind != kind {
			continue
		}
		l := WorkList{Kind: kind, Items: []WorkItem{}, More: len(lists[kind]) >= store.MaxPage}
		for _, it := range lists[kind] {
			if f.ProjectID != 0 && it.ProjectID != f.ProjectID {
				continue
			}
			if kind == "mitigation" && f.Within != 0 && (it.Due == "" || it.Due > w.Horizon) {
				continue
			}
			dated := kind != "review" && kind != "changes_requested"
			l.Items = append(l.Items, WorkItem{WorkItem: it, Overdue: dated && it.Due != "" && it.Due < w.Today})
		}
		l.Count = len(l.Items)
		w.Lists = append(w.Lists, l)
	}
	return w, nil
}

// RegisterFilter narrows the mitigation register, as typed in a query string. Empty fields
// select everything.
type RegisterFilter struct {
	Project string // a project id
	Owner   string // a user id, or "me"
	Status  string // planned, in_progress, implemented, verified, or "open" for the first two
	Due     string // "overdue", or a number of days: due within that many days (overdue included)
}

// RegisterStatuses are the status filter's choices.
var RegisterStatuses = []string{"open", "planned", "in_progress", "implemented", "verified"}

// RegisterEntry is one mitigation of the register. Overdue: due before today and not done.
type RegisterEntry struct {
	store.RegisterRow
	OwnerEmail string `json:"owner_email,omitempty"`
	Overdue    bool   `json:"overdue"`
}

// RegisterPage is one page of the register, with the people the owner filter offers.
type RegisterPage struct {
	Today   string          `json:"today"`
	Items   []RegisterEntry `json:"mitigations"`
	Total   int             `json:"total"`
	Page    int             `json:"page"`
	PerPage int             `json:"per_page"`
	Owners  []store.Person  `json:"owners"`
}

// Pages is the number of pages the register has.
func (p *RegisterPage) Pages() int { return (p.Total + p.PerPage - 1) / p.PerPage }

// MitigationRegister lists the mitigations of the latest cycle of every active project the actor
// is a member of (admins: every project), by due date, one page at a time. page and perPage
// come as typed and are bounded; a project the actor may not see is not found.
func (s *Service) MitigationRegister(ctx context.Context, who Actor, in RegisterFilter, page, perPage string) (*RegisterPage, error) {
	if who.User == nil {
		return nil, ErrNotFound
	}
	out := &RegisterPage{Today: s.now().UTC().Format(time.DateOnly)}
	p := Problems{}
	var err error
	if out.Page, err = ParsePage(page); err != nil {
		p.Merge("", err.(*ValidationError).Fields)
	}
	if out.PerPage, err = ParsePerPage(perPage); err != nil {
		p.Merge("", err.(*ValidationError).Fields)
	}
	var f store.MitigationFilter
	id := func(field, v string) int64 {
		n, ok := ParseCount(v, 1<<53)
		if !ok || n < 1 || strings.Contains(v, ",") {
			p.Add(field, "Choose from the list.")
		}
		return n
	}
	if v := strings.TrimSpace(in.Project); v != "" {
		f.ProjectID = id("project", v)
	}
	switch v := strings.TrimSpace(in.Owner); v {
	case "":
	case "me":
		f.OwnerID = who.User.ID
	default:
		f.OwnerID = id("owner", v)
	}
	if v := strings.TrimSpace(in.Status); v != "" {
		ok := false
		for _, st := range RegisterStatuses {
			ok = ok || st == v
		}
		if !ok {
			p.Add("status", "Choose one of "+strings.Join(RegisterStatuses, ", ")+".")
		}
		f.Status = v
	}
	switch v := strings.TrimSpace(in.Due); v {
	case "":
	case "overdue":
		f.DueBefore = out.Today
	default:
		n, ok := ParseCount(v, MaxWithin)
		if !ok || n < 1 || strings.Contains(v, ",") {
			p.Add("due", `Give "overdue" or a number of days from 1 to `+field.Group(MaxWithin)+".")
		}
		// Exclusive bound: due on the last day of the window counts.
		f.DueBefore = s.now().UTC().AddDate(0, 0, int(n)+1).Format(time.DateOnly)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	sc := store.Scope{UserID: who.User.ID, All: who.User.IsAdmin}
	if f.ProjectID != 0 {
		if _, err := s.Access(ctx, who, f.ProjectID, ActView); err != nil {
			return nil, err
		}
	}
	rows, total, err := s.store.MitigationRegister(ctx, sc, f, out.PerPage, (out.Page-1)*out.PerPage)
	if err != nil {
		return nil, err
	}
	if out.Owners, err = s.store.MitigationOwners(ctx, sc, store.MaxPage); err != nil {
		return nil, err
	}
	emails := map[int64]string{}
	for _, o := range out.Owners {
		emails[o.ID] = o.Email
	}
	out.Total, out.Items = total, make([]RegisterEntry, 0, len(rows))
	for _, r := range rows {
		open := r.Status == "planned" || r.Status == "in_progress"
		out.Items = append(out.Items, RegisterEntry{RegisterRow: r, OwnerEmail: emails[r.OwnerID],
			Overdue: open && r.Due != "" && r.Due < out.Today})
	}
	return out, nil
}

// displayName is how pages and messages name the actor: their name, else their email.
func (a Actor) displayName() string {
	if a.User == nil {
		return "piaf"
	}
	return a.User.DisplayName()
}
