package questionnaire

import (
	"slices"
	"strings"
)

// check runs the checks that need the whole definition: what conditions refer to, rule
// categories, and show_if cycles, which would leave a question neither shown nor hidden.
func (p *parser) check(d *Definition) {
	questions := map[string]*Question{}
	var order []*Question
	for _, s := range d.Sections {
		for _, q := range s.Questions {
			if q.Key != "" && questions[q.Key] == nil {
				questions[q.Key] = q
				order = append(order, q)
			}
		}
	}
	for _, q := range order {
		if q.ShowIf == nil {
			continue
		}
		p.checkCondition(q.ShowIf, questions)
		p.rejectEvidence(q.ShowIf, q)
		if slices.Contains(references(q.ShowIf), q.Key) {
			p.addf(p.showIfLines[q], "question %s: show_if refers to the question itself", q.Key)
		}
	}
	for _, r := range d.Rules {
		if r.Category != "" {
			if _, ok := p.sectionLines[r.Category]; !ok {
				p.addf(p.categoryLines[r], "rule %s: category %q is not a section key", r.Key, r.Category)
			}
		}
		if r.When != nil {
			p.checkCondition(r.When, questions)
		}
	}
	p.checkCycles(order, questions)
}

// checkCycles reports each show_if cycle once, at the show_if that closes it.
func (p *parser) checkCycles(order []*Question, questions map[string]*Question) {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(q *Question)
	visit = func(q *Question) {
		state[q.Key] = onPath
		path = append(path, q.Key)
		for _, ref := range references(q.ShowIf) {
			next := questions[ref]
			if next == nil || next == q { // reported by check
				continue
			}
			switch state[ref] {
			case unseen:
				visit(next)
			case onPath:
				cycle := append(slices.Clone(path[slices.Index(path, ref):]), ref)
				p.addf(p.showIfLines[q], "question %s: show_if cycle %s", q.Key, strings.Join(cycle, " -> "))
			}
		}
		path = path[:len(path)-1]
		state[q.Key] = done
	}
	for _, q := range order {
		if state[q.Key] == unseen {
			visit(q)
		}
	}
}
