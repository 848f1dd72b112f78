package report

import (
	"fmt"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
)

func (d *doc) findings() {
	f := d.f
	d.chapter(5, "Findings and mitigations", true)
	if len(f.findings) == 0 {
		d.para("No findings.", "I", muted)
		return
	}
	d.para("Highest residual risk first; findings that no longer count (resolved by answers or not applicable) come last.", "I", muted)
	var rows [][]cellText
	for _, fd := range f.findings {
		rows = append(rows, []cellText{{text: findingRef(f, fd), style: "B"}, {text: fd.Title}, {text: f.area(fd.Category)},
			levelCell(fd.InherentLevel()), f.residualCell(fd), {text: f.findingStatus(fd)}})
	}
	d.table([]column{{"#", 7, "L"}, {"Finding", 37, "L"}, {"Area", 18, "L"}, {"Inherent", 12, "L"},
		{"Residual", 12, "L"}, {"Status", 14, "L"}}, rows)
	for _, fd := range f.findings {
		d.finding(fd)
	}
}

var detailColumns = []column{{share: 22}, {share: 78}}

func label(s string) cellText { return cellText{text: s, style: "B", fill: &shade} }

func (d *doc) finding(fd *assessments.Finding) {
	f := d.f
	title := findingRef(f, fd) + "  " + orNone(fd.Title, "Untitled finding")
	inherent, residual := levelTint[fd.InherentLevel()], levelTint[fd.ResidualLevel()]
	rows := [][]cellText{
		{label("Area"), {text: f.area(fd.Category)}},
		{label("Status"), {text: f.findingStatus(fd)}},
		{label("Inherent risk"), {text: riskText(fd.Likelihood, fd.Severity), fill: &inherent}},
		{label("Residual risk"), {text: f.residualText(fd), fill: &residual}},
		{label("Source"), {text: f.source(fd)}},
	}
	if !fd.Manual() {
		var lines []string
		for _, in := range f.inputs(fd) {
			lines = append(lines, in.Label+" — "+in.Value)
		}
		rows = append(rows, []cellText{label("Raised by"), {text: orNone(strings.Join(lines, "\n"), "No answers recorded")}})
	}
	if a := fd.Acceptance; a != nil {
		rows = append(rows, []cellText{label("Accepted"), {text: fmt.Sprintf("By %s until %s (see Accepted risks)", acceptedBy(a), a.Expires)}})
	}
	rows = append(rows, []cellText{label("Description"), {text: orNone(plainText(fd.Description), "No description.")}})
	// Start the finding on a new page rather than leave its heading with a sliver of its table.
	d.need(min(d.tableHeight(detailColumns, rows)+14, d.bottom-marginTop))
	d.heading(title, true)
	d.table(detailColumns, rows)
	ms := f.mitigations(fd)
	if len(ms) == 0 {
		d.para("No mitigation linked.", "I", muted)
		return
	}
	var mrows [][]cellText
	for _, m := range ms {
		title := orNone(m.Title, "Untitled mitigation")
		if m.Catalogue != "" {
			title += "\n(catalogue: " + m.Catalogue + ")"
		}
		mrows = append(mrows, plain(title, f.owner(m.Owner), orNone(m.Due, "Not set"), m.Status.Label(),
			orNone(plainText(m.Evidence), "None recorded")))
	}
	d.table([]column{{"Mitigation", 25, "L"}, {"Owner", 18, "L"}, {"Due", 12, "L"}, {"Status", 12, "L"}, {"Evidence", 33, "L"}}, mrows)
}

// closing draws what follows the findings: accepted risks, the review, the consultation and
// the next review date.
func (d *doc) closing() {
	f := d.f
	d.chapter(6, "Accepted risks", true)
	if list := f.accepted(); len(list) == 0 {
		d.para("No risk has been accepted.", "I", muted)
	} else {
		var rows [][]cellText
		for _, fd := range list {
			a := fd.Acceptance
			rows = append(rows, []cellText{{text: findingRef(f, fd), style: "B"}, {text: fd.Title}, levelCell(fd.ResidualLevel()),
				{text: acceptedBy(a) + "\n" + acceptedAt(a.At)}, {text: orNone(a.Expires, "Not set")},
				{text: orNone(plainText(a.Justification), "None recorded")}})
		}
		d.table([]column{{"#", 6, "L"}, {"Finding", 21, "L"}, {"Residual", 12, "L"}, {"Accepted by", 21, "L"},
			{"Expires", 12, "L"}, {"Justification", 28, "L"}}, rows)
	}

	d.chapter(7, "Review", false)
	d.heading("Submissions and decisions", false)
	if len(f.r.Reviews) == 0 {
		d.para("Not yet submitted for review.", "I", muted)
	} else {
		var rows [][]cellText
		for _, rv := range f.r.Reviews {
			rows = append(rows, []cellText{{text: stamp(rv.At)}, {text: rv.By}, {text: reviewLabel(rv.Kind), style: "B"},
				{text: fmt.Sprint(rv.Revision)}, {text: plainText(rv.Comment)}})
		}
		d.table([]column{{"Date", 21, "L"}, {"By", 18, "L"}, {"Decision", 19, "L"}, {"Revision", 10, "R"}, {"Comment", 32, "L"}}, rows)
	}
	d.heading("Comments", false)
	if len(f.r.Comments) == 0 {
		d.para("No comments.", "I", muted)
	} else {
		var rows [][]cellText
		for _, c := range f.r.Comments {
			state := "Open"
			if c.ResolvedBy != "" {
				state = "Resolved by " + c.ResolvedBy
			}
			rows = append(rows, plain(stamp(c.At), c.By, orNone(c.Target, "The assessment"), state, plainText(c.Body)))
		}
		d.table([]column{{"Date", 21, "L"}, {"By", 15, "L"}, {"On", 19, "L"}, {"Status", 14, "L"}, {"Comment", 31, "L"}}, rows)
	}

	c := f.r.State.Consultation
	d.chapter(8, "Consultation", false)
	if !c.Attributed() && !consultationEmpty(c) {
		d.heading("Unattributed consultation notes", false)
		d.para(unattributedNote, "I", muted)
		d.para(orNone(plainText(c.DPOOpinion), "No notes."), "", ink)
	} else {
		d.heading("Privacy officer's opinion", false)
		if c.Attributed() {
			d.para(opinionGiven(c), "B", ink)
		}
		d.para(orNone(plainText(c.DPOOpinion), "No opinion given."), "", ink)
	}
	d.heading("Views of the people affected", false)
	d.para("Views sought: "+viewsSought(c.ViewsSought), "B", ink)
	none := "No views recorded."
	if c.ViewsSought == "no" {
		none = "No reason recorded."
	}
	d.para(orNone(plainText(c.Views), none), "", ink)

	d.chapter(9, "Next review", false)
	d.para(nextReviewSentence(f), "", ink)
}

// residualCell is a finding's residual level on its tint; a projected one is set in italics with
// the note, so that it reads apart from an evidenced level without relying on colour.
func (f *facts) residualCell(fd *assessments.Finding) cellText {
	c := levelCell(fd.ResidualLevel())
	if f.projected(fd) {
		c.text, c.style = f.residualLevel(fd), "I"
	}
	return c
}
