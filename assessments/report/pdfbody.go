package report

import (
	"fmt"
	"strconv"
)

func (d *doc) titlePage() {
	p := d.p
	f := d.f
	p.AddPage()
	p.SetY(46)
	d.font("B", 9, muted)
	d.text("PRIVACY IMPACT ASSESSMENT", 0, 5, "L")
	p.SetY(p.GetY() + 3)
	d.font("B", 24, accent)
	d.text(orNone(f.r.Project.Name, "Unnamed project"), 0, 10.5, "L")
	p.SetY(p.GetY() + 1)
	d.font("", 12, muted)
	d.text(fmt.Sprintf("%s, version %d", f.def.Title, f.def.Version), 0, 6, "L")
	p.SetY(p.GetY() + 10)
	if f.r.Draft() {
		d.draftBox()
	}
	var rows [][]cellText
	for _, fl := range f.titleFields() {
		rows = append(rows, []cellText{{text: fl.Label, style: "B", fill: &shade}, {text: fl.Value, mono: fl.Mono}})
	}
	d.table([]column{{share: 28, align: "L"}, {share: 72, align: "L"}}, rows)
	p.SetY(p.GetY() + 4)
	d.font("I", smallSize, muted)
	d.text("The revision SHA-256 identifies the exact state of the assessment this report was generated from. "+
		"A signed copy of this report can be checked with piaf verify, or with pdfsig for the PDF and ssh-keygen -Y verify "+
		"for the Markdown.", 0, smallLine, "L")
}

// draftBox is the title page's warning that the report is not of the approved revision.
func (d *doc) draftBox() {
	p := d.p
	body := fmt.Sprintf("This report shows revision %d, which no reviewer has approved; its content may still change.",
		d.f.r.Assessment.Revision)
	d.font("", bodySize, ink)
	lines := d.wrap(body, d.width-10)
	h := 6 + 5 + float64(len(lines))*bodyLine + 3
	d.need(h + 6)
	y := p.GetY()
	d.fill(rgb{0xfb, 0xea, 0xe8})
	d.draw(draftRed)
	p.SetLineWidth(0.6)
	p.Rect(d.left, y, d.width, h, "FD")
	d.font("B", 12, draftRed)
	p.SetXY(d.left+5, y+4)
	p.CellFormat(d.width-10, 6, draftLine, "", 0, "L", false, 0, "")
	d.font("", bodySize, ink)
	for i, l := range lines {
		d.drawLine(d.left+5, y+11+float64(i)*bodyLine, d.width-10, bodyLine, l, "L")
	}
	p.SetXY(d.left, y+h+8)
}

func (d *doc) summary() {
	f := d.f
	d.chapter(1, "Executive summary", true)
	n := f.liveCount()
	d.para(fmt.Sprintf("The assessment has %d live %s. Their risk levels before mitigation (inherent) and after it (residual):",
		n, plural(n, "finding", "findings")), "", ink)
	var rows [][]cellText
	for _, c := range f.levelCounts() {
		rows = append(rows, []cellText{levelCell(c.Level), {text: strconv.Itoa(c.Before)}, {text: strconv.Itoa(c.After)}})
	}
	rows = append(rows, []cellText{{text: "Total", style: "B"}, {text: strconv.Itoa(n), style: "B"}, {text: strconv.Itoa(n), style: "B"}})
	d.table([]column{{"Risk level", 40, "L"}, {"Before mitigation", 30, "R"}, {"After mitigation", 30, "R"}}, rows)

	o := f.openItems()
	d.heading("Open items", false)
	d.table([]column{{"Item", 80, "L"}, {"Count", 20, "R"}}, [][]cellText{
		plain("Open findings with no mitigation or acceptance", strconv.Itoa(o.Unaddressed)),
		plain("Mitigations not yet verified", strconv.Itoa(o.Unverified)),
		plain("Open comments", strconv.Itoa(o.OpenComments)),
		plain("Required questions unanswered", strconv.Itoa(o.Unanswered)),
	})
	d.heading("Risk heatmaps", false)
	d.heatmaps()
}

func (d *doc) project() {
	pr := d.f.r.Project
	d.chapter(2, "Project and datasets", true)
	d.table([]column{{share: 25}, {share: 75}}, [][]cellText{
		{{text: "Name", style: "B", fill: &shade}, {text: pr.Name}},
		{{text: "Base model", style: "B", fill: &shade}, {text: orNone(pr.BaseModel, "Not given")}},
		{{text: "Deployment", style: "B", fill: &shade}, {text: orNone(pr.Deployment, "Not given")}},
		{{text: "Purpose", style: "B", fill: &shade}, {text: orNone(plainText(pr.Purpose), "Not given")}},
	})
	if len(pr.Members) > 0 {
		d.heading("Members", false)
		var rows [][]cellText
		for _, m := range pr.Members {
			rows = append(rows, plain(m.Name, m.Email, m.Role))
		}
		d.table([]column{{"Name", 35, "L"}, {"Email", 40, "L"}, {"Role", 25, "L"}}, rows)
	}
	d.heading("Datasets", false)
	if len(d.f.r.Datasets) == 0 {
		d.para("No datasets recorded.", "I", muted)
		return
	}
	var rows [][]cellText
	for _, ds := range d.f.r.Datasets {
		rows = append(rows, plain(ds.Name, ds.Source, ds.Categories, yesNo(ds.SpecialCategories), ds.DataSubjects,
			orNone(groupThousands(ds.ApproxRecords), "—"), ds.Retention))
	}
	d.table([]column{{"Name", 17, "L"}, {"Source", 15, "L"}, {"Categories", 18, "L"}, {"Special categories", 11, "L"},
		{"Data subjects", 14, "L"}, {"Records (approx.)", 12, "R"}, {"Retention", 13, "L"}}, rows)
}

func (d *doc) answers() {
	d.chapter(3, "Answers", true)
	d.para("Questions the answers made irrelevant are left out.", "I", muted)
	for i, sa := range d.f.sections() {
		d.heading(fmt.Sprintf("3.%d  %s", i+1, sa.Section.Title), true)
		if len(sa.Answers) == 0 {
			d.para("No question in this section applies.", "I", muted)
			continue
		}
		for _, a := range sa.Answers {
			d.answer(a)
		}
	}
}

func (d *doc) answer(a answer) {
	const indent = 5.0
	d.font("B", bodySize-0.5, ink)
	label := d.wrap(a.Question.Label, d.width)
	d.need(float64(len(label))*bodyLine + bodyLine + 2)
	d.text(a.Question.Label, 0, bodyLine, "L")
	d.p.SetY(d.p.GetY() + 0.6)
	switch {
	case a.Text == "":
		none, c := "Not answered", muted
		if a.Question.Required {
			none, c = "Not answered (required)", draftRed
		}
		d.font("I", bodySize, c)
		d.text(none, indent, bodyLine, "L")
	case a.Long:
		d.font("", bodySize, ink)
		d.text(plainText(a.Text), indent, bodyLine, "L")
	default:
		d.font("", bodySize, ink)
		d.text(a.Text, indent, bodyLine, "L")
	}
	d.p.SetY(d.p.GetY() + 3)
}
