package report

import "strings"

// evidence writes the evidence records: where each came from, its figures with their units,
// warnings and credibility.
func (w *mdWriter) evidence() {
	items := w.f.evidence()
	w.printf("## Evidence\n\n")
	if len(items) == 0 {
		w.printf("*No evidence attached.*\n\n")
		return
	}
	w.printf("Figures piaf computed or received, in the order they were added. Rules compare them with the organisation's policy limits.\n\n")
	for _, it := range items {
		w.printf("### %s\n\n", inline(it.Title))
		for _, fl := range it.Fields {
			value := inline(fl.Value)
			if fl.Mono {
				value = code(fl.Value)
			}
			w.printf("- **%s:** %s\n", fl.Label, value)
		}
		w.printf("\n")
		if len(it.Figures) == 0 {
			w.printf("*No figures.*\n\n")
		} else {
			var rows [][]string
			for _, fg := range it.Figures {
				rows = append(rows, []string{fg.Label, fg.Value})
			}
			w.table([]string{"Figure", "Value"}, "lr", rows)
		}
		w.notes("Warnings", it.Warnings)
		if len(it.NotCredible) > 0 {
			w.notes("Not credible", it.NotCredible)
		}
	}
}

func (w *mdWriter) notes(title string, list []string) {
	if len(list) == 0 {
		return
	}
	w.printf("**%s**\n\n", title)
	for _, s := range list {
		w.printf("- %s\n", inline(strings.TrimSpace(s)))
	}
	w.printf("\n")
}
