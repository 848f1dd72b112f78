package report

import (
	"fmt"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
)

// trackingTitle heads the section on tracking after approval.
const trackingTitle = "Mitigation tracking since approval"

// trackingNote says what the tracking section is, apart from the approved content; hash is the
// approved state hash as the format writes it.
func (f *facts) trackingNote(hash string) string {
	t := f.r.Tracking
	when := "No tracking change has been recorded"
	if t.Through > 0 {
		when = fmt.Sprintf("It shows the %d tracking %s recorded up to %s", t.Through, plural(t.Through, "change", "changes"), stamp(t.At))
	}
	return fmt.Sprintf("This section reflects the mitigations' tracking at the time of export. %s. Everything else in this report "+
		"is the approved content of revision %d, SHA-256 %s, which tracking does not change.", when, f.r.Assessment.Revision, hash)
}

// trackedRef names the findings a mitigation is linked to ("F1, F3"), or "" when none.
func (f *facts) trackedRef(id string) string {
	var refs []string
	for _, fd := range f.findings {
		for _, mid := range fd.Mitigations {
			if mid == id {
				refs = append(refs, findingRef(f, fd))
				break
			}
		}
	}
	return strings.Join(refs, ", ")
}

// since writes a value as approved and as now: "was → now", or just now when it did not move.
func since(was, now string) string {
	if was == now {
		return now
	}
	return was + " → " + now
}

// trackedFields are a tracked mitigation's status, owner and due date, each as approved → now.
func (f *facts) trackedFields(t TrackedMitigation) (status, owner, due string) {
	a, c := t.AsApproved, t.Current
	return since(a.Status.Label(), c.Status.Label()), since(f.owner(a.Owner), f.owner(c.Owner)),
		since(orNone(a.Due, "Not set"), orNone(c.Due, "Not set"))
}

// trackedBy says who recorded the last change and when, and how many changes there were.
func trackedBy(t TrackedMitigation) string {
	s := fmt.Sprintf("%s on %s", orNone(t.ChangedBy, "Unknown"), stamp(t.ChangedAt))
	if t.Changes > 1 {
		s += fmt.Sprintf(" (%d changes)", t.Changes)
	}
	return s
}

func trackedTitle(m *assessments.Mitigation) string { return orNone(m.Title, "Untitled mitigation") }

func (w *mdWriter) tracking() {
	f := w.f
	if f.r.Tracking == nil || f.r.Draft() {
		return
	}
	w.printf("## %s\n\n", trackingTitle)
	w.printf("*%s*\n\n", f.trackingNote(code(f.r.Assessment.StateHash)))
	if len(f.r.Tracking.Moved) == 0 {
		w.printf("No change since approval.\n\n")
		return
	}
	for _, t := range f.r.Tracking.Moved {
		status, owner, due := f.trackedFields(t)
		w.printf("- **%s**", inline(trackedTitle(t.Current)))
		if ref := f.trackedRef(t.Current.ID); ref != "" {
			w.printf(" (%s)", ref)
		}
		w.printf("\n  - **Status:** %s\n  - **Owner:** %s\n  - **Due:** %s\n  - **Changed by:** %s\n  - **Evidence:**\n\n",
			inline(status), inline(owner), inline(due), inline(trackedBy(t)))
		w.block(t.Current.Evidence, "  ", "No evidence recorded.")
	}
}

func (d *doc) tracking() {
	f := d.f
	if f.r.Tracking == nil || f.r.Draft() {
		return
	}
	d.chapter(10, trackingTitle, false)
	d.para(f.trackingNote(f.r.Assessment.StateHash), "I", muted)
	if len(f.r.Tracking.Moved) == 0 {
		d.para("No change since approval.", "", ink)
		return
	}
	var rows [][]cellText
	for _, t := range f.r.Tracking.Moved {
		status, owner, due := f.trackedFields(t)
		title := trackedTitle(t.Current)
		if ref := f.trackedRef(t.Current.ID); ref != "" {
			title += "\n(" + ref + ")"
		}
		rows = append(rows, plain(title, status, owner, due, orNone(plainText(t.Current.Evidence), "None recorded"), trackedBy(t)))
	}
	d.table([]column{{"Mitigation", 20, "L"}, {"Status", 16, "L"}, {"Owner", 15, "L"}, {"Due", 13, "L"},
		{"Evidence", 20, "L"}, {"Changed by", 16, "L"}}, rows)
}
