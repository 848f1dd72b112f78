package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
)

// evidenceItem is one evidence record as both renderers show it.
type evidenceItem struct {
	E           *assessments.Evidence
	Title       string  // "E4 · Differential privacy budget"
	Fields      []field // where it came from
	Figures     []field // label and value in its unit, in the order figures lists them
	Warnings    []string
	NotCredible []string // why the figures are not credible; empty when nothing says so
}

// policy is the policy the report was generated under.
func (f *facts) policy() assessments.Policy {
	if f.r.Policy != nil {
		return *f.r.Policy
	}
	return assessments.DefaultPolicy()
}

// evidence lists the records in the order they were added.
func (f *facts) evidence() []evidenceItem {
	var out []evidenceItem
	for _, e := range assessments.SortedEvidence(f.r.State) {
		it := evidenceItem{E: e, Title: e.ID + " · " + figures.KindLabel(e.Kind), Warnings: e.Warnings, NotCredible: e.NotCredible}
		if v, ok := e.Figures["credible"]; ok && v == 0 && len(it.NotCredible) == 0 {
			it.NotCredible = []string{"The test reports its own design as not credible."}
		}
		cycle := fmt.Sprint(e.Cycle)
		if e.Cycle < f.r.Assessment.Cycle {
			cycle += " (carried from an earlier cycle)"
		}
		tool := strings.TrimSpace(e.Tool + " " + e.ToolVersion)
		it.Fields = []field{
			{Label: "Kind", Value: figures.KindLabel(e.Kind)},
			{Label: "Cycle", Value: cycle},
			{Label: "Source", Value: e.Source.Label()},
			{Label: "Tool", Value: orNone(tool, "Not recorded")},
		}
		if e.Label != "" {
			it.Fields = append(it.Fields, field{Label: "Sample", Value: e.Label})
		}
		if e.FileSHA256 != "" {
			it.Fields = append(it.Fields, field{Label: "File SHA-256", Value: e.FileSHA256, Mono: true})
		}
		it.Fields = append(it.Fields,
			field{Label: "Added", Value: fmt.Sprintf("%s on %s", orNone(e.AddedByName, fmt.Sprintf("User #%d", e.AddedBy)), addedAt(e.AddedAt))},
			field{Label: "Supports", Value: orNone(f.questionLabels(e.Questions), "No question")})
		for _, name := range figureOrder(e) {
			it.Figures = append(it.Figures, field{Label: figures.Label(e.Kind, name), Value: figures.Format(e.Kind, name, e.Figures[name])})
		}
		out = append(out, it)
	}
	return out
}

func addedAt(s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return stamp(t)
	}
	return s
}

func (f *facts) questionLabels(keys []string) string {
	var labels []string
	for _, k := range keys {
		if q, ok := f.def.Question(k); ok {
			labels = append(labels, q.Label)
		} else {
			labels = append(labels, k)
		}
	}
	return strings.Join(labels, "; ")
}

// figureOrder lists a record's figure names: the kind's fixed figures in their order, then PII
// per-type figures by type (before, then after), then any other name alphabetically.
func figureOrder(e *assessments.Evidence) []string {
	pos := map[string]int{}
	for i, fg := range figures.Of(e.Kind) {
		pos[fg.Name] = i
	}
	names := slices.Sorted(maps.Keys(e.Figures))
	rank := func(name string) (int, string, string) {
		if i, ok := pos[name]; ok {
			return 0, fmt.Sprintf("%03d", i), ""
		}
		if stage, typ, ok := figures.PerType(name); ok {
			return 1, typ, stage
		}
		return 2, name, ""
	}
	slices.SortStableFunc(names, func(a, b string) int {
		ga, ka, sa := rank(a)
		gb, kb, sb := rank(b)
		// "after" sorts before "before"; compare reversed so before comes first.
		return cmp.Or(cmp.Compare(ga, gb), strings.Compare(ka, kb), strings.Compare(sb, sa))
	})
	return names
}

// bar is one bar of an evidence chart.
type bar struct {
	Label string
	Value float64
	Group string // "before" or "after" for PII bars; empty otherwise
}

// chart is what a PDF draws for a record: bars on a scale from 0 to Max, with an optional limit.
type chart struct {
	Title      string
	Bars       []bar
	Max        float64
	Limit      float64 // 0: none
	LimitLabel string
	Format     func(float64) string
}

// charts are the charts that help read a record: the DP ε against the policy limit, PII
// detections per type before and after anonymisation, membership-inference figures against
// their limits.
func (f *facts) charts(e *assessments.Evidence) []chart {
	p := f.policy()
	switch e.Kind {
	case figures.DP:
		eps, ok := e.Figures["epsilon"]
		if !ok {
			return nil
		}
		c := chart{Title: "ε against the policy limit", Limit: p.MaxEpsilon,
			LimitLabel: "limit " + figures.Number(p.MaxEpsilon), Format: figures.Number,
			Bars: []bar{{Label: "ε (RDP)", Value: eps}}}
		if pld, ok := e.Figures["epsilon_pld"]; ok {
			c.Bars = append(c.Bars, bar{Label: "ε (PLD)", Value: pld})
		}
		c.Max = p.MaxEpsilon * 1.25
		for _, b := range c.Bars {
			c.Max = max(c.Max, b.Value*1.1)
		}
		return []chart{c}
	case figures.PII:
		c := chart{Title: "PII detections per entity type, before and after anonymisation", Format: figures.Number}
		for _, name := range figureOrder(e) {
			if stage, typ, ok := figures.PerType(name); ok {
				c.Bars = append(c.Bars, bar{Label: typ, Value: e.Figures[name], Group: stage})
				c.Max = max(c.Max, e.Figures[name])
			}
		}
		if len(c.Bars) == 0 {
			return nil
		}
		if c.Max == 0 {
			c.Max = 1
		}
		return []chart{c}
	case figures.MIA:
		var out []chart
		if auc, ok := e.Figures["auc"]; ok {
			out = append(out, chart{Title: "ROC AUC against the policy limit (0.5 is chance)", Max: 1, Limit: p.MaxMIAAUC,
				LimitLabel: "limit " + figures.Number(p.MaxMIAAUC), Format: figures.Number,
				Bars: []bar{{Label: "AUC", Value: auc}}})
		}
		if tpr, ok := e.Figures["tpr_at_fpr_0_1pct"]; ok {
			limit := p.MaxTPRRatioAt01Pct * 0.001
			out = append(out, chart{Title: "TPR at 0.1 % FPR against the policy limit", Max: max(limit*1.5, tpr*1.1), Limit: limit,
				LimitLabel: "limit " + figures.Number(limit*100) + " %", Format: func(v float64) string { return figures.Number(v*100) + " %" },
				Bars: []bar{{Label: "TPR at 0.1 % FPR", Value: tpr}}})
		}
		return out
	}
	return nil
}

// evidenceInput describes a rule finding's input that is not an answer: an evidence figure
// ("dp.epsilon"), a kind's presence ("present.dp") or a policy limit ("policy.max_epsilon").
func evidenceInput(key string, v any) (field, bool) {
	if name, ok := strings.CutPrefix(key, "policy."); ok {
		for _, l := range figures.Limits {
			if l.Name == name {
				return field{Label: "Policy: " + l.Label, Value: valueText(v, figures.Number)}, true
			}
		}
		return field{Label: "Policy: " + name, Value: valueText(v, figures.Number)}, true
	}
	if kind, ok := strings.CutPrefix(key, "present."); ok {
		text := "None attached"
		if b, _ := v.(bool); b {
			text = "Attached"
		}
		return field{Label: "Evidence: " + figures.KindLabel(kind), Value: text}, true
	}
	kind, name, _ := strings.Cut(key, ".")
	if !figures.KnownKind(kind) {
		return field{}, false
	}
	return field{Label: "Evidence: " + figures.Label(kind, name),
		Value: valueText(v, func(x float64) string { return figures.Format(kind, name, x) })}, true
}

func valueText(v any, format func(float64) string) string {
	if x, ok := v.(float64); ok {
		return format(x)
	}
	return "Not available"
}
