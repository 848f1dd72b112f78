package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/leak"
	"github.com/piaf-dev/piaf/assessments/pii"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/templates"
)

// uploadLimit is the largest sample or leak-test file piaf reads.
func (s *Server) uploadLimit() int64 {
	if s.cfg.UploadLimit > 0 {
		return s.cfg.UploadLimit
	}
	return workflow.DefaultUploadLimit
}

// latestEvidence is the most recently added record of kind (and label, when given).
func latestEvidence(st assessments.State, kind, label string) *assessments.Evidence {
	var out *assessments.Evidence
	for _, e := range assessments.SortedEvidence(st) {
		if e.Kind == kind && (label == "" || e.Label == label) {
			out = e
		}
	}
	return out
}

func (s *Server) piiView(c echo.Context, form templates.Form) (templates.PIIEvidenceView, error) {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return templates.PIIEvidenceView{}, err
	}
	v := templates.PIIEvidenceView{A: s.assessmentView(acc, a, def), Form: form, Limit: workflow.ByteSize(s.uploadLimit()),
		Before: latestEvidence(a.State, figures.PII, workflow.StageBefore), After: latestEvidence(a.State, figures.PII, workflow.StageAfter)}
	for _, e := range assessments.SortedEvidence(a.State) {
		if e.Kind == figures.PII {
			v.Records = append(v.Records, e)
		}
	}
	slices.Reverse(v.Records)
	return v, nil
}

// piiEvidencePage shows the PII scans of an assessment and the form to scan a sample.
func (s *Server) piiEvidencePage(c echo.Context) error {
	form := templates.NewForm()
	form.Set("format", "jsonl")
	v, err := s.piiView(c, form)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.PIIEvidence(s.page(c, "PII scans · "+v.A.Def.Title, "projects"), v))
}

// uploadPIISamples streams the "before" and "after" files of the form through the scanner, one
// record per file. Only the counts are kept.
func (s *Server) uploadPIISamples(c echo.Context) error {
	id, err := paramID(c, "assessment")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// Rights before the first byte of the body.
	if err := s.wf.CanAttachEvidence(ctx, s.actor(c), id); err != nil {
		return err
	}
	allowSlowUpload(c, s.uploadLimit())
	var added []string
	values, err := s.streamParts(c, func(field, filename string, r io.Reader, before url.Values) error {
		if field != workflow.StageBefore && field != workflow.StageAfter {
			return nil
		}
		sample := workflow.PIISample{Stage: field, Limit: s.uploadLimit(),
			Options: pii.Options{Format: before.Get("format"), Fields: fieldList(before.Get("fields")), Columns: fieldList(before.Get("columns"))}}
		if filename == "" {
			// An empty file input: a peek tells it from a file without a name.
			var one [1]byte
			if n, _ := io.ReadFull(r, one[:]); n == 0 {
				return nil
			}
			r = io.MultiReader(bytes.NewReader(one[:]), r)
		}
		e, _, err := s.wf.AttachPIISample(ctx, s.actor(c), id, sample, r)
		if err != nil {
			return fieldFor(err, field)
		}
		added = append(added, e.ID)
		return nil
	})
	if err == nil && len(added) == 0 {
		err = workflow.Invalid("before", "Choose a sample before anonymisation, after, or both.")
	}
	var invalid *workflow.ValidationError
	if errors.As(err, &invalid) {
		form := templates.Form{Values: values, Errors: invalid.Fields}
		if form.Values == nil {
			form.Values = url.Values{}
		}
		if len(added) > 0 {
			form.Fail("_", "Records "+strings.Join(added, ", ")+" were attached before this error.")
		}
		v, verr := s.piiView(c, form)
		if verr != nil {
			return verr
		}
		return s.uploadAnswer(c, http.StatusUnprocessableEntity, templates.PIIEvidence(s.page(c, "PII scans · "+v.A.Def.Title, "projects"), v), "")
	}
	if err != nil {
		return err
	}
	s.flash(c, fmt.Sprintf("Scanned and attached %s. piaf kept only the counts.", strings.Join(added, " and ")))
	return s.uploadAnswer(c, http.StatusSeeOther, nil, assessmentPath(id)+"/evidence/pii")
}

// uploadAnswer answers a streamed form: the script that shows the progress bar asks for JSON
// and follows the location itself; a plain form gets the redirect or the page.
func (s *Server) uploadAnswer(c echo.Context, status int, page templ.Component, location string) error {
	if c.Request().Header.Get("X-Upload") == "progress" && location != "" {
		return c.JSON(http.StatusOK, map[string]string{"location": location})
	}
	if location != "" {
		return c.Redirect(status, location)
	}
	return s.render(c, status, page)
}

// fieldFor files an error from a file's processing under the file's field when it names none of
// the form's own.
func fieldFor(err error, field string) error {
	var invalid *workflow.ValidationError
	if !errors.As(err, &invalid) {
		return err
	}
	out := workflow.Problems{}
	for f, m := range invalid.Fields {
		switch f {
		case "format", "fields", "columns", "stage":
			out.Add(f, capitalise(m))
		default:
			out.Add(field, capitalise(m))
		}
	}
	return out.Err()
}

func (s *Server) leakView(c echo.Context) (templates.LeakEvidenceView, error) {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return templates.LeakEvidenceView{}, err
	}
	policy, err := s.wf.Policy(c.Request().Context())
	if err != nil {
		return templates.LeakEvidenceView{}, err
	}
	v := templates.LeakEvidenceView{A: s.assessmentView(acc, a, def), MIAForm: templates.NewForm(), CanaryForm: templates.NewForm(), ExtForm: templates.NewForm(),
		Limit: workflow.ByteSize(s.uploadLimit()), Policy: policy,
		MIA: latestEvidence(a.State, figures.MIA, ""), Canary: latestEvidence(a.State, figures.Canary, ""), Extraction: latestEvidence(a.State, figures.Extraction, "")}
	v.ExtForm.Set("strategy", "greedy")
	return v, nil
}

// leakEvidencePage shows the leak-test records and the forms to attach them.
func (s *Server) leakEvidencePage(c echo.Context) error {
	v, err := s.leakView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.LeakEvidence(s.page(c, "Leak tests · "+v.A.Def.Title, "projects"), v))
}

// leakUpload reads one leak-test form (kind mia, canary or extraction), computes the figures and
// attaches the record.
func (s *Server) leakUpload(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := paramID(c, "assessment")
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		if err := s.wf.CanAttachEvidence(ctx, s.actor(c), id); err != nil {
			return err
		}
		allowSlowUpload(c, s.uploadLimit())
		files := map[string][]byte{}
		var generations *pii.Summary
		var generationsSHA string
		values, err := s.streamParts(c, func(field, _ string, r io.Reader, before url.Values) error {
			switch {
			case kind == figures.Extraction && field == "generations":
				sum, sha, err := workflow.ScanPIISample(ctx, r, workflow.PIISample{Stage: workflow.StageAfter, Limit: s.uploadLimit(),
					Options: pii.Options{Format: orDefault(before.Get("generations_format"), "text")}})
				if err != nil {
					return fieldFor(err, "generations")
				}
				if sum.Bytes > 0 {
					generations, generationsSHA = &sum, sha
				}
			case slices.Contains([]string{"scores", "canaries", "references"}, field):
				b, err := io.ReadAll(io.LimitReader(r, leak.MaxInputBytes+1))
				if err != nil {
					return bodyError(err, "the file could not be read")
				}
				if len(b) > leak.MaxInputBytes {
					return workflow.Invalid(field, "The file is larger than "+workflow.ByteSize(leak.MaxInputBytes)+".")
				}
				files[field] = b
			}
			return nil
		})
		var e *assessments.Evidence
		if err == nil {
			var in assessments.EvidenceInput
			in, err = leakInput(kind, values, files, generations, generationsSHA)
			if err == nil {
				e, err = s.wf.AttachEvidence(ctx, s.actor(c), id, in)
			}
		}
		var invalid *workflow.ValidationError
		if errors.As(err, &invalid) {
			v, verr := s.leakView(c)
			if verr != nil {
				return verr
			}
			form := templates.Form{Values: values, Errors: map[string]string{}}
			if form.Values == nil {
				form.Values = url.Values{}
			}
			for f, m := range invalid.Fields {
				form.Fail(leakFormField(kind, f), capitalise(m))
			}
			switch kind {
			case figures.MIA:
				v.MIAForm = form
			case figures.Canary:
				v.CanaryForm = form
			default:
				v.ExtForm = form
			}
			return s.uploadAnswer(c, http.StatusUnprocessableEntity, templates.LeakEvidence(s.page(c, "Leak tests · "+v.A.Def.Title, "projects"), v), "")
		}
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("Attached %s.", e)
		if len(e.NotCredible) > 0 {
			msg += " It is marked not credible: see why below."
		}
		s.flash(c, msg)
		return s.uploadAnswer(c, http.StatusSeeOther, nil, assessmentPath(id)+"/evidence/leak")
	}
}

// leakFormField maps a field the domain names to the form's.
func leakFormField(kind, f string) string {
	switch {
	case kind == figures.MIA && (f == "members" || f == "non_members" || strings.HasPrefix(f, "members[") || strings.HasPrefix(f, "non_members[") || f == "line"):
		return "scores"
	case strings.HasPrefix(f, "decoding."):
		return strings.TrimPrefix(f, "decoding.")
	case kind == figures.Canary && (strings.HasPrefix(f, "canaries[") || f == "canaries"):
		return "canaries"
	case kind == figures.Canary && (strings.HasPrefix(f, "references[") || f == "references"):
		return "references"
	case kind == figures.Canary && f == "inserted_copies":
		return "copies"
	}
	if i := strings.IndexAny(f, "[ "); i > 0 {
		return f[:i]
	}
	return f
}

// leakInput builds the record a leak-test form describes.
func leakInput(kind string, form url.Values, files map[string][]byte, generations *pii.Summary, generationsSHA string) (assessments.EvidenceInput, error) {
	p := workflow.Problems{}
	text := func(name string) []byte {
		if b := files[name]; len(bytes.TrimSpace(b)) > 0 {
			return b
		}
		return []byte(form.Get(name + "_text"))
	}
	switch kind {
	case figures.MIA:
		t := workflow.MIATest{KeepScores: checked(form, "keep_scores")}
		t.Design = leak.MIADesign{Attack: form.Get("attack"), AttackDetail: strings.TrimSpace(form.Get("attack_detail")), Selection: strings.TrimSpace(form.Get("selection")),
			HeldOut: checked(form, "held_out"), LowerIsMember: checked(form, "lower_is_member")}
		t.Design.ReferenceModels = formInt(p, form, "reference_models")
		raw := text("scores")
		if len(bytes.TrimSpace(raw)) == 0 {
			p.Add("scores", "Choose a scores file or paste the scores.")
		}
		if err := p.Err(); err != nil {
			return assessments.EvidenceInput{}, err
		}
		sc, err := leak.ParseScores(bytes.NewReader(raw))
		if err != nil {
			return assessments.EvidenceInput{}, workflow.Invalid("scores", err.Error())
		}
		t.Scores = sc
		in, _, err := workflow.MIAEvidence(t, assessments.SourceComputed)
		return in, err
	case figures.Canary:
		var set leak.CanarySet
		raw := text("canaries")
		if len(bytes.TrimSpace(raw)) == 0 {
			p.Add("canaries", "Choose a canaries file or paste the canaries.")
		} else if parsed, err := leak.ParseCanaries(bytes.NewReader(raw)); err != nil {
			p.Add("canaries", err.Error())
		} else {
			set = parsed
		}
		if refs := text("references"); len(bytes.TrimSpace(refs)) > 0 {
			parsed, err := leak.ParseReferences(bytes.NewReader(refs))
			if err != nil {
				p.Add("references", err.Error())
			}
			set.References = parsed
		}
		if n := formInt(p, form, "copies"); n != 0 {
			set.InsertedCopies = n
		}
		if v := formFloat(p, form, "space_size"); v != 0 {
			set.SpaceSize = v
		}
		if err := p.Err(); err != nil {
			return assessments.EvidenceInput{}, err
		}
		in, _, err := workflow.CanaryEvidence(set, assessments.SourceComputed)
		return in, err
	default:
		x := leak.Extraction{Prompts: formInt(p, form, "prompts"), PromptSource: strings.TrimSpace(form.Get("prompt_source")),
			Decoding: leak.Decoding{Strategy: strings.TrimSpace(form.Get("strategy")), Temperature: formFloat(p, form, "temperature"),
				TopP: formFloat(p, form, "top_p"), TopK: formInt(p, form, "top_k"), MaxTokens: formInt(p, form, "max_tokens")},
			Generations: formInt(p, form, "generations"), MatchingRule: strings.TrimSpace(form.Get("matching_rule")),
			VerbatimMatches: formInt(p, form, "verbatim_matches"), NearVerbatimMatches: formInt(p, form, "near_verbatim_matches"),
			PIIEmitted: formInt(p, form, "pii_emitted")}
		if err := p.Err(); err != nil {
			return assessments.EvidenceInput{}, err
		}
		return workflow.ExtractionEvidence(x, generations, generationsSHA, assessments.SourceComputed)
	}
}

func checked(form url.Values, name string) bool {
	v := form.Get(name)
	return v == "1" || v == "on" || v == "true"
}

func formInt(p workflow.Problems, form url.Values, name string) int {
	s := strings.TrimSpace(form.Get(name))
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		p.Add(name, "Enter a whole number.")
	}
	return n
}

func formFloat(p workflow.Problems, form url.Values, name string) float64 {
	s := strings.TrimSpace(form.Get(name))
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		p.Add(name, "Enter a number.")
	}
	return v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
