package questionnaire

// Tally counts the visible questions of a section or a whole questionnaire. Answers to hidden
// questions are kept (the question may show again) but never counted.
type Tally struct {
	Visible  int      `json:"visible"`
	Answered int      `json:"answered"`
	Missing  []string `json:"missing,omitempty"` // required, visible and unanswered
	Unknown  []string `json:"unknown,omitempty"` // yes_no answered "unknown": answered, but a gap to close
	Percent  int      `json:"percent"`           // answered of visible, rounded down; 100 when none is visible
}

// Complete reports whether every required visible question is answered.
func (t Tally) Complete() bool { return len(t.Missing) == 0 }

// SectionProgress is the tally of one section.
type SectionProgress struct {
	Key string `json:"key"`
	Tally
}

// Progress is the tally of a whole questionnaire and of each of its sections, in order.
type Progress struct {
	Tally
	Sections []SectionProgress `json:"sections"`
}

// Progress measures how far the answers go.
func (d *Definition) Progress(a Answers) Progress {
	e := d.evaluator(a)
	var p Progress
	for _, s := range d.Sections {
		sp := SectionProgress{Key: s.Key}
		for _, q := range s.Questions {
			if !e.visible(q.Key) {
				continue
			}
			sp.Visible++
			v := a[q.Key]
			switch {
			case isAnswered(v):
				sp.Answered++
				if q.Type == YesNo && v == "unknown" {
					sp.Unknown = append(sp.Unknown, q.Key)
				}
			case q.Required:
				sp.Missing = append(sp.Missing, q.Key)
			}
		}
		sp.Percent = percent(sp.Answered, sp.Visible)
		p.Visible += sp.Visible
		p.Answered += sp.Answered
		p.Missing = append(p.Missing, sp.Missing...)
		p.Unknown = append(p.Unknown, sp.Unknown...)
		p.Sections = append(p.Sections, sp)
	}
	p.Percent = percent(p.Answered, p.Visible)
	return p
}

func percent(part, whole int) int {
	if whole == 0 {
		return 100
	}
	return part * 100 / whole
}
