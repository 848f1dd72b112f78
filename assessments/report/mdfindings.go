package report

import (
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
)

func (w *mdWriter) findings() {
	f := w.f
	w.printf("## Findings\n\n")
	if len(f.findings) == 0 {
		w.printf("*No findings.*\n\n")
		return
	}
	w.printf("Highest residual risk first; findings that no longer count (resolved by answers or not applicable) come last.\n\n")
	var rows [][]string
	for _, fd := range f.findings {
		rows = append(rows, []string{findingRef(f, fd), fd.Title, f.area(fd.Category),
			levelName(fd.InherentLevel()), f.residualLevel(fd), f.findingStatus(fd)})
	}
	w.table([]string{"#", "Finding", "Area", "Inherent", "Residual", "Status"}, "llllll", rows)
	for _, fd := range f.findings {
		w.finding(fd)
	}
}

func findingRef(f *facts, fd *assessments.Finding) string {
	return "F" + strconv.Itoa(f.number[fd.ID])
}

func (w *mdWriter) finding(fd *assessments.Finding) {
	f := w.f
	w.printf("### %s. %s\n\n", findingRef(f, fd), inline(orNone(fd.Title, "Untitled finding")))
	w.printf("- **Area:** %s\n", inline(f.area(fd.Category)))
	w.printf("- **Status:** %s\n", inline(f.findingStatus(fd)))
	w.printf("- **Inherent risk:** %s\n", riskText(fd.Likelihood, fd.Severity))
	w.printf("- **Residual risk:** %s\n", f.residualText(fd))
	if fd.Manual() {
		w.printf("- **Source:** added by hand\n")
	} else {
		w.printf("- **Source:** rule %s, raised by these answers:\n", code(fd.Rule))
		for _, in := range f.inputs(fd) {
			w.printf("  - %s — %s\n", inline(in.Label), inline(in.Value))
		}
	}
	if a := fd.Acceptance; a != nil {
		w.printf("- **Accepted** by %s until %s (see Accepted risks)\n", inline(acceptedBy(a)), inline(a.Expires))
	}
	w.printf("\n")
	w.block(fd.Description, "", "No description.")
	ms := f.mitigations(fd)
	if len(ms) == 0 {
		w.printf("*No mitigation linked.*\n\n")
		return
	}
	w.printf("**Mitigations**\n\n")
	for _, m := range ms {
		w.printf("- **%s** — owner %s, due %s, %s", inline(orNone(m.Title, "Untitled mitigation")),
			inline(f.owner(m.Owner)), inline(orNone(m.Due, "not set")), strings.ToLower(m.Status.Label()))
		if m.Catalogue != "" {
			w.printf(" (catalogue %s)", code(m.Catalogue))
		}
		w.printf("\n\n")
		w.block(m.Evidence, "  ", "No evidence recorded.")
	}
}

func (w *mdWriter) acceptedRisks() {
	f := w.f
	w.printf("## Accepted risks\n\n")
	list := f.accepted()
	if len(list) == 0 {
		w.printf("*No risk has been accepted.*\n\n")
		return
	}
	for _, fd := range list {
		a := fd.Acceptance
		w.printf("### %s. %s\n\n", findingRef(f, fd), inline(orNone(fd.Title, "Untitled finding")))
		w.printf("- **Residual risk:** %s\n", levelName(fd.ResidualLevel()))
		w.printf("- **Accepted by:** %s on %s\n", inline(acceptedBy(a)), inline(acceptedAt(a.At)))
		w.printf("- **Expires:** %s\n\n", inline(orNone(a.Expires, "not set")))
		w.block(a.Justification, "", "No justification recorded.")
	}
}

func (w *mdWriter) review() {
	f := w.f
	w.printf("## Review\n\n### Submissions and decisions\n\n")
	if len(f.r.Reviews) == 0 {
		w.printf("*Not yet submitted for review.*\n\n")
	}
	for _, rv := range f.r.Reviews {
		w.printf("- **%s** by %s on %s (revision %d", reviewLabel(rv.Kind), inline(rv.By), stamp(rv.At), rv.Revision)
		if rv.StateHash != "" {
			w.printf(", SHA-256 %s", code(rv.StateHash))
		}
		w.printf(")\n\n")
		if strings.TrimSpace(rv.Comment) != "" {
			w.block(rv.Comment, "  ", "")
		}
	}
	w.printf("### Comments\n\n")
	if len(f.r.Comments) == 0 {
		w.printf("*No comments.*\n\n")
	}
	for _, c := range f.r.Comments {
		state := "open"
		if c.ResolvedBy != "" {
			state = "resolved by " + inline(c.ResolvedBy)
		}
		w.printf("- **On %s** — %s on %s, %s\n\n", inline(orNone(c.Target, "the assessment")), inline(c.By), stamp(c.At), state)
		w.block(c.Body, "  ", "Empty comment.")
	}
}

func (w *mdWriter) consultation() {
	c := w.f.r.State.Consultation
	w.printf("## Consultation\n\n")
	if !c.Attributed() && !consultationEmpty(c) {
		// Typed before opinions were attributed: nobody vouches for it, so it is not printed as
		// the privacy officer's.
		w.printf("### Unattributed consultation notes\n\n")
		w.printf("%s\n\n", unattributedNote)
		w.block(c.DPOOpinion, "", "No notes.")
	} else {
		w.printf("### Privacy officer's opinion\n\n")
		if c.Attributed() {
			w.printf("%s\n\n", inline(opinionGiven(c)))
		}
		w.block(c.DPOOpinion, "", "No opinion given.")
	}
	w.printf("### Views of the people affected\n\n")
	w.printf("Views sought: %s\n\n", viewsSought(c.ViewsSought))
	none := "No views recorded."
	if c.ViewsSought == "no" {
		none = "No reason recorded."
	}
	w.block(c.Views, "", none)
}
