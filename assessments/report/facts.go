package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/datefmt"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// facts is what both renderers derive from a Report, worked out once so that the Markdown and
// the PDF say the same things in the same order.
type facts struct {
	r        *Report
	def      *questionnaire.Definition
	findings []*assessments.Finding // report order; numbered F1, F2, ... in this order
	number   map[string]int         // finding id to its number
	heat     assessments.Heat
	progress questionnaire.Progress
}

func gather(r *Report) *facts {
	def := r.Questionnaire
	if def == nil {
		// A report without its questionnaire still shows the register; answers go unlabelled.
		def = &questionnaire.Definition{Key: r.State.Questionnaire, Version: r.State.QuestionnaireVersion, Title: r.State.Questionnaire}
	}
	f := &facts{r: r, def: def, number: map[string]int{},
		heat:     assessments.HeatOf(r.State),
		progress: def.Progress(questionnaire.Answers(r.State.Answers))}
	f.findings = sortedFindings(def, r.State)
	for i, fd := range f.findings {
		f.number[fd.ID] = i + 1
	}
	return f
}

// sortedFindings orders as assessments.SortedFindings does, with the id as a last resort so that
// two findings alike in everything else still come out in the same order every time.
func sortedFindings(def *questionnaire.Definition, s assessments.State) []*assessments.Finding {
	order := map[string]int{}
	for i, sec := range def.Sections {
		order[sec.Key] = i
	}
	list := slices.Collect(maps.Values(s.Findings))
	slices.SortFunc(list, func(a, b *assessments.Finding) int {
		live := func(f *assessments.Finding) int {
			if f.Live() {
				return 0
			}
			return 1
		}
		return cmp.Or(cmp.Compare(live(a), live(b)), cmp.Compare(b.ResidualLevel(), a.ResidualLevel()),
			cmp.Compare(order[a.Category], order[b.Category]), strings.Compare(a.Title, b.Title), strings.Compare(a.ID, b.ID))
	})
	return list
}

// field is a labelled value of the title block.
type field struct {
	Label, Value string
	Mono         bool
}

func (f *facts) titleFields() []field {
	a := f.r.Assessment
	rev := strconv.Itoa(a.Revision)
	if !a.UpdatedAt.IsZero() {
		rev += ", saved " + stamp(a.UpdatedAt)
	}
	status := a.Status.Label()
	if a.Approved {
		status += " (this is the approved revision)"
	} else {
		status += " (not the approved revision)"
	}
	var submitted, decided []string
	for _, rv := range f.r.Reviews {
		when := fmt.Sprintf("%s on %s, revision %d", rv.By, stamp(rv.At), rv.Revision)
		if rv.Kind == "submit" {
			submitted = append(submitted, when)
		} else {
			decided = append(decided, fmt.Sprintf("%s: %s", reviewLabel(rv.Kind), when))
		}
	}
	return []field{
		{Label: "Project", Value: f.r.Project.Name},
		{Label: "Questionnaire", Value: fmt.Sprintf("%s (%s, version %d)", f.def.Title, f.def.Key, f.def.Version)},
		{Label: "Assessment cycle", Value: strconv.Itoa(a.Cycle)},
		{Label: "Revision", Value: rev},
		{Label: "Revision SHA-256", Value: a.StateHash, Mono: true},
		{Label: "Status", Value: status},
		{Label: "Submitted by", Value: orNone(strings.Join(submitted, "; "), "Not submitted")},
		{Label: "Reviewed by", Value: orNone(strings.Join(decided, "; "), "No decision yet")},
		{Label: "Next review", Value: f.nextReview()},
		{Label: "Generated", Value: stamp(f.r.GeneratedAt)},
		{Label: "Instance", Value: orNone(f.r.Instance, "Not recorded")},
	}
}

func (f *facts) nextReview() string {
	if f.r.NextReview.IsZero() {
		return "Not set"
	}
	return f.r.NextReview.UTC().Format(time.DateOnly)
}

// levelCount is how many live findings have a level before and after mitigation.
type levelCount struct {
	Level         assessments.Level
	Before, After int
}

// levelCounts lists the levels from maximum down, with "not assessed" only when some finding is.
func (f *facts) levelCounts() []levelCount {
	counts := map[assessments.Level]*levelCount{}
	for l := assessments.LevelNone; l <= assessments.LevelMaximum; l++ {
		counts[l] = &levelCount{Level: l}
	}
	for _, fd := range f.findings {
		if fd.Live() {
			counts[fd.InherentLevel()].Before++
			counts[assessments.EffectiveResidual(f.r.State, fd).Level].After++ // as the heatmap: projected at the inherent level
		}
	}
	var out []levelCount
	for l := assessments.LevelMaximum; l >= assessments.LevelNone; l-- {
		if c := counts[l]; l != assessments.LevelNone || c.Before+c.After > 0 {
			out = append(out, *c)
		}
	}
	return out
}

// openItems are the things still to do before the assessment can be closed.
type openItems struct {
	Unaddressed  int // live open findings with no mitigation and no acceptance
	Unverified   int // mitigations of live findings not yet verified
	OpenComments int
	Unanswered   int // required visible questions without an answer
}

func (f *facts) openItems() openItems {
	var o openItems
	pending := map[string]bool{}
	for _, fd := range f.findings {
		if !fd.Live() {
			continue
		}
		if fd.Status == assessments.FindingOpen && len(fd.Mitigations) == 0 && fd.Acceptance == nil {
			o.Unaddressed++
		}
		for _, id := range fd.Mitigations {
			if m, ok := f.r.State.Mitigations[id]; ok && m.Status != assessments.MitigationVerified {
				pending[id] = true
			}
		}
	}
	o.Unverified = len(pending)
	for _, c := range f.r.Comments {
		if c.ResolvedBy == "" {
			o.OpenComments++
		}
	}
	o.Unanswered = len(f.progress.Missing)
	return o
}

func (f *facts) liveCount() int {
	n := 0
	for _, fd := range f.findings {
		if fd.Live() {
			n++
		}
	}
	return n
}

// accepted lists the findings whose risk a reviewer accepted, in report order.
func (f *facts) accepted() []*assessments.Finding {
	var out []*assessments.Finding
	for _, fd := range f.findings {
		if fd.Acceptance != nil {
			out = append(out, fd)
		}
	}
	return out
}

// mitigations returns a finding's linked mitigations in the order they were linked; an id the
// state does not hold is skipped.
func (f *facts) mitigations(fd *assessments.Finding) []*assessments.Mitigation {
	var out []*assessments.Mitigation
	for _, id := range fd.Mitigations {
		if m, ok := f.r.State.Mitigations[id]; ok {
			out = append(out, m)
		}
	}
	return out
}

func (f *facts) owner(id int64) string {
	if id == 0 {
		return "Unassigned"
	}
	if name, ok := f.r.Owners[id]; ok && strings.TrimSpace(name) != "" {
		return name
	}
	return fmt.Sprintf("User #%d", id)
}

func (f *facts) area(key string) string {
	if s, ok := f.def.Section(key); ok {
		return s.Title
	}
	return key
}

func (f *facts) findingStatus(fd *assessments.Finding) string {
	if fd.ResolvedByAnswers {
		return "Resolved by answers (kept for the record)"
	}
	return fd.Status.Label()
}

func (f *facts) source(fd *assessments.Finding) string {
	if fd.Manual() {
		return "Added by hand"
	}
	return "Raised by rule " + fd.Rule
}

// inputs are the answers that raised a rule finding, in questionnaire order, then the evidence
// figures and policy limits it read.
func (f *facts) inputs(fd *assessments.Finding) []field {
	keys := slices.Sorted(maps.Keys(fd.Inputs))
	pos := map[string]int{}
	for i, q := range f.def.Questions() {
		pos[q.Key] = i
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		// Keys with a dot are evidence figures and policy limits: after the answers.
		dotted := func(k string) int { return strings.Count(k, ".") }
		return cmp.Or(cmp.Compare(dotted(a), dotted(b)), cmp.Compare(pos[a], pos[b]))
	})
	var out []field
	for _, k := range keys {
		if ev, ok := evidenceInput(k, fd.Inputs[k]); ok {
			out = append(out, ev)
			continue
		}
		if q, ok := f.def.Question(k); ok {
			text, _ := formatAnswer(q, fd.Inputs[k])
			out = append(out, field{Label: q.Label, Value: orNone(text, "Not answered")})
		} else {
			out = append(out, field{Label: k, Value: fmt.Sprint(fd.Inputs[k])})
		}
	}
	return out
}

func levelName(l assessments.Level) string {
	if l == assessments.LevelNone {
		return "Not assessed"
	}
	return capitalise(l.Name())
}

// riskText is a level with the pair it comes from.
func riskText(likelihood, severity assessments.Scale) string {
	return fmt.Sprintf("%s (likelihood %s, severity %s)", levelName(assessments.RiskLevel(likelihood, severity)),
		likelihood.Name(), severity.Name())
}

func (f *facts) residualText(fd *assessments.Finding) string {
	if !fd.Residual.Set() {
		return "Not assessed; taken as the inherent risk"
	}
	text := riskText(fd.Residual.Likelihood, fd.Residual.Severity)
	if f.projected(fd) {
		text += " " + assessments.ProjectedNote + "; counted at the inherent level"
	}
	return text
}

// projected tells whether fd's lower residual risk rests only on mitigations not yet in place.
func (f *facts) projected(fd *assessments.Finding) bool {
	return assessments.EffectiveResidual(f.r.State, fd).Projected
}

// residualLevel is the residual level of the register tables, marked when it is only projected.
func (f *facts) residualLevel(fd *assessments.Finding) string {
	if f.projected(fd) {
		return levelName(fd.ResidualLevel()) + " " + assessments.ProjectedNote
	}
	return levelName(fd.ResidualLevel())
}

// projectedNote explains the residual heatmap and counts when some finding is placed at its
// inherent level; "" when none is.
func (f *facts) projectedNote() string {
	n := f.heat.Projected
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d %s counted after mitigation at %s inherent level: %s lower residual risk is projected, resting only on mitigations not yet in place (planned or in progress).",
		n, plural(n, "finding is", "findings are"), plural(n, "its", "their"), plural(n, "its", "their"))
}

func reviewLabel(kind string) string {
	switch kind {
	case "submit":
		return "Submitted for review"
	case "approve":
		return "Approved"
	case "request_changes":
		return "Changes requested"
	}
	return capitalise(strings.ReplaceAll(kind, "_", " "))
}

func viewsSought(v string) string {
	switch v {
	case "yes":
		return "Yes"
	case "no":
		return "No"
	}
	return "Not recorded"
}

// stamp formats a moment in UTC, so a report reads the same wherever it is generated.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "unknown date"
	}
	return datefmt.DateTime(t, nil)
}

// acceptedBy names who accepted a risk: their name, or their email on acceptances recorded
// before names were kept. The report's members table pairs names with emails.
func acceptedBy(a *assessments.Acceptance) string {
	if a.ByName != "" {
		return a.ByName
	}
	return a.ByEmail
}

// acceptedAt formats an acceptance's RFC 3339 time, or shows it as stored when it does not parse.
func acceptedAt(s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return stamp(t)
	}
	return s
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func orNone(s, none string) string {
	if strings.TrimSpace(s) == "" {
		return none
	}
	return s
}

// unattributedNote explains consultation text that names nobody who gave it.
const unattributedNote = "Recorded before opinions were attributed: nobody is named as having given it, so it is not the privacy officer's opinion."

// opinionGiven says who gave the opinion and recorded the consultation, when and on which revision.
func opinionGiven(c assessments.Consultation) string {
	when := c.GivenAt
	if t, err := time.Parse(time.RFC3339, c.GivenAt); err == nil {
		when = stamp(t)
	}
	return fmt.Sprintf("Given by %s on %s, on revision %d.", c.GivenByName, when, c.OnRevision)
}

func consultationEmpty(c assessments.Consultation) bool {
	return strings.TrimSpace(c.DPOOpinion) == "" && c.ViewsSought == "" && strings.TrimSpace(c.Views) == ""
}
