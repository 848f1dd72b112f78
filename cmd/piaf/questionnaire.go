package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/catalogue"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

func questionnaireCommand(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return errors.New("questionnaire: say what to do: lint or show; see 'piaf help'")
	}
	switch args[0] {
	case "lint":
		return questionnaireLint(args[1:], e)
	case "show":
		return questionnaireShow(ctx, args[1:], e)
	}
	return fmt.Errorf("questionnaire: unknown command %q; use lint or show", args[0])
}

// questionnaireLint checks a definition as an import would, and its mitigations against the
// built-in catalogue, printing every problem so an author fixes the file in one pass.
func questionnaireLint(args []string, e env) error {
	fs := newFlags("piaf questionnaire lint", "piaf questionnaire lint FILE", e)
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	file := fs.Arg(0)
	data, err := readLimited(file, questionnaire.MaxFileSize)
	if err != nil {
		return fmt.Errorf("lint: %w", err)
	}
	cat, err := catalogue.Builtin()
	if err != nil {
		return fmt.Errorf("lint: built-in catalogue: %s", firstProblem(err))
	}
	d, err := questionnaire.Parse(file, data)
	var probs questionnaire.Problems
	switch {
	case errors.As(err, &probs):
	case err != nil:
		return fmt.Errorf("lint: %s", firstProblem(err))
	default:
		probs = d.CheckMitigations(cat.Has)
	}
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintln(e.stdout, p)
		}
		return fmt.Errorf("lint: %s in %s", plural(len(probs), "problem"), file)
	}
	fmt.Fprintf(e.stdout, "%s: ok: questionnaire %s version %d, %s, %s, %s\n", file, d.Key, d.Version,
		plural(len(d.Sections), "section"), plural(len(d.Questions()), "question"), plural(len(d.Rules), "rule"))
	return nil
}

// readLimited reads a file, refusing one bigger than limit rather than reading it whole.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return data, nil
}

// shownDefinition is one version a show can pick, and where it comes from.
type shownDefinition struct {
	def    *questionnaire.Definition
	origin string
}

func questionnaireShow(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf questionnaire show", "piaf questionnaire show [--data DIR] [--version N] KEY", e)
	data := dataFlag(fs, e)
	version := fs.Int("version", 0, "version to show (default: the newest)")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	key := fs.Arg(0)
	mine, known, err := questionnaireVersions(ctx, *data, key)
	if err != nil {
		return fmt.Errorf("show: %w", err)
	}
	if len(mine) == 0 {
		return fmt.Errorf("show: no questionnaire %q; known: %s", key, strings.Join(known, ", "))
	}
	chosen := mine[len(mine)-1]
	if *version != 0 {
		i := slices.IndexFunc(mine, func(s shownDefinition) bool { return s.def.Version == *version })
		if i < 0 {
			return fmt.Errorf("show: questionnaire %s has no version %d; versions: %s", key, *version, versionList(mine))
		}
		chosen = mine[i]
	}
	printDefinition(e.stdout, chosen, versionList(mine))
	return nil
}

// questionnaireVersions returns the versions of key, oldest first, and every key known: the
// built-ins, and what the database in dir holds if there is one. A show never creates the data
// folder, so that a mistyped --data leaves nothing behind. Where the database holds a built-in
// version too, its copy wins: it is what assessments run on.
func questionnaireVersions(ctx context.Context, dir, key string) ([]shownDefinition, []string, error) {
	builtin, err := questionnaire.Builtin()
	if err != nil {
		return nil, nil, fmt.Errorf("built-in questionnaires: %s", firstProblem(err))
	}
	keys := map[string]bool{}
	byVersion := map[int]shownDefinition{}
	for _, d := range builtin {
		keys[d.Key] = true
		if d.Key == key {
			byVersion[d.Version] = shownDefinition{d, "built-in"}
		}
	}
	stored, err := storedQuestionnaires(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range stored {
		keys[s.Key] = true
		if s.Key != key {
			continue // not parsed: a broken version of another questionnaire is no concern here
		}
		d, err := questionnaire.Parse(fmt.Sprintf("%s version %d in the database", s.Key, s.Version), s.Source)
		if err != nil {
			return nil, nil, fmt.Errorf("stored questionnaire: %s", firstProblem(err))
		}
		origin := "built-in"
		if !s.Builtin {
			origin = "imported " + s.ImportedAt.Format("2006-01-02")
		}
		byVersion[d.Version] = shownDefinition{d, origin}
	}
	versions := slices.SortedFunc(maps.Values(byVersion), func(a, b shownDefinition) int {
		return cmp.Compare(a.def.Version, b.def.Version)
	})
	return versions, slices.Sorted(maps.Keys(keys)), nil
}

// storedQuestionnaires lists the versions in the database in dir; none when dir holds no
// database, which is then left alone rather than created.
func storedQuestionnaires(ctx context.Context, dir string) ([]*assessments.QuestionnaireSource, error) {
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	st, err := store.OpenReadOnly(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Questionnaires(ctx)
}

func versionList(list []shownDefinition) string {
	vs := make([]string, len(list))
	for i, s := range list {
		vs[i] = strconv.Itoa(s.def.Version)
	}
	return strings.Join(vs, ", ")
}

// printDefinition writes a definition's structure for reading in a terminal: Markdown texts
// are left out but for the description's first sentence.
func printDefinition(w io.Writer, s shownDefinition, versions string) {
	d := s.def
	fmt.Fprintln(w, d.Title)
	fmt.Fprintf(w, "key %s, version %d (%s; versions: %s)\n", d.Key, d.Version, s.origin, versions)
	if summary := firstSentence(d.Description); summary != "" {
		fmt.Fprintln(w, summary)
	}
	for i, sec := range d.Sections {
		fmt.Fprintf(w, "\n%d. %s (%s)\n", i+1, sec.Title, sec.Key)
		for _, q := range sec.Questions {
			fmt.Fprintf(w, "   - %s [%s] %s\n", q.Key, questionTraits(q), q.Label)
			if len(q.Options) > 0 {
				values := make([]string, len(q.Options))
				for j, o := range q.Options {
					values[j] = o.Value
				}
				fmt.Fprintf(w, "       options: %s\n", strings.Join(values, ", "))
			}
			if q.ShowIf != nil {
				fmt.Fprintf(w, "       show if: %s\n", conditionString(d, q.ShowIf))
			}
		}
	}
	if len(d.Rules) == 0 {
		return
	}
	fmt.Fprintf(w, "\nRules (%d)\n", len(d.Rules))
	for _, r := range d.Rules {
		fmt.Fprintf(w, "   - %s [L%d×S%d, %s] %s\n", r.Key, r.Likelihood, r.Severity, r.Category, r.Title)
		fmt.Fprintf(w, "       when: %s\n", conditionString(d, r.When))
		if len(r.Mitigations) > 0 {
			fmt.Fprintf(w, "       mitigations: %s\n", strings.Join(r.Mitigations, ", "))
		}
	}
}

// firstSentence is the first sentence of a Markdown text's first paragraph, on one line; YAML
// authors wrap lines, so the first line alone may stop mid-phrase.
func firstSentence(md string) string {
	para, _, _ := strings.Cut(strings.TrimSpace(md), "\n\n")
	para = strings.Join(strings.Fields(para), " ")
	if i := strings.Index(para, ". "); i >= 0 {
		return para[:i+1]
	}
	return para
}

// questionTraits is the bracketed summary after a question key: its type, whether it is
// required, and a number's range and unit.
func questionTraits(q *questionnaire.Question) string {
	traits := []string{q.Type}
	if q.Required {
		traits = append(traits, "required")
	}
	if q.Min != nil || q.Max != nil {
		lo, hi := "", ""
		if q.Min != nil {
			lo = formatNumber(*q.Min)
		}
		if q.Max != nil {
			hi = formatNumber(*q.Max)
		}
		traits = append(traits, lo+".."+hi)
	}
	if q.Unit != "" {
		traits = append(traits, q.Unit)
	}
	return strings.Join(traits, ", ")
}

// conditionString renders a condition compactly, e.g.
// uses_dp = "yes" and (epsilon > 10 or not answered(accountant)).
// A multi_choice leaf reads "has": the condition holds when the value is among those selected.
func conditionString(d *questionnaire.Definition, c *questionnaire.Condition) string {
	if c == nil {
		return "always"
	}
	switch {
	case c.All != nil:
		return joinConditions(d, c.All, " and ", "true")
	case c.Any != nil:
		return joinConditions(d, c.Any, " or ", "false")
	case c.Not != nil:
		if a := c.Not.Answered; a != nil && *a {
			return "not " + conditionString(d, c.Not)
		}
		return "not (" + conditionString(d, c.Not) + ")"
	case c.Answered != nil:
		if *c.Answered {
			return "answered(" + c.Question + ")"
		}
		return "not answered(" + c.Question + ")"
	case c.Gt != nil:
		return c.Question + " > " + formatNumber(*c.Gt)
	case c.Lt != nil:
		return c.Question + " < " + formatNumber(*c.Lt)
	}
	multi := false
	if q, ok := d.Question(c.Question); ok && q.Type == questionnaire.MultiChoice {
		multi = true
	}
	if c.In != nil {
		values := make([]string, len(c.In))
		for i, v := range c.In {
			values[i] = formatValue(v)
		}
		if multi {
			return c.Question + " has any of (" + strings.Join(values, ", ") + ")"
		}
		return c.Question + " in (" + strings.Join(values, ", ") + ")"
	}
	if multi {
		return c.Question + " has " + formatValue(c.Equals)
	}
	return c.Question + " = " + formatValue(c.Equals)
}

// joinConditions renders the parts of an all or any; an empty one is constant.
func joinConditions(d *questionnaire.Definition, cs []*questionnaire.Condition, sep, empty string) string {
	if len(cs) == 0 {
		return empty
	}
	if len(cs) == 1 {
		return conditionString(d, cs[0])
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = nested(d, c)
	}
	return strings.Join(parts, sep)
}

// nested renders a condition inside another, in parentheses where it joins several parts.
func nested(d *questionnaire.Definition, c *questionnaire.Condition) string {
	s := conditionString(d, c)
	if c != nil && (len(c.All) > 1 || len(c.Any) > 1) {
		return "(" + s + ")"
	}
	return s
}

func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case float64:
		return formatNumber(v)
	}
	return fmt.Sprint(v)
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// firstProblem keeps an error to one line: Problems list one problem a line.
func firstProblem(err error) string {
	var probs questionnaire.Problems
	if errors.As(err, &probs) && len(probs) > 1 {
		return fmt.Sprintf("%s (and %d more)", probs[0], len(probs)-1)
	}
	return err.Error()
}
