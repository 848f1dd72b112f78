package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/catalogue"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// questionnaires caches parsed questionnaire versions. Every version lives in the database as the
// YAML it was loaded from; built-ins are copied there on first use, so an assessment keeps the
// exact questions it started with even when a later binary ships a newer version.
type questionnaires struct {
	store  *store.Store
	mu     sync.Mutex
	loaded bool
	defs   map[string]*questionnaire.Definition // by key@version
	cat    *catalogue.Catalogue
}

func versionKey(key string, version int) string { return key + "@" + strconv.Itoa(version) }

// load makes sure the built-ins are stored, then parses every stored version, once it succeeds:
// a failure (a busy database, say) is tried again by the next request, and a request that gives
// up does not cancel the work for everyone after it.
func (q *questionnaires) load(ctx context.Context) error {
	q.mu.Lock()
	loaded := q.loaded
	q.mu.Unlock()
	if loaded {
		return nil
	}
	return q.sync(context.WithoutCancel(ctx))
}

func (q *questionnaires) sync(ctx context.Context) error {
	cat, err := catalogue.Builtin()
	if err != nil {
		return fmt.Errorf("mitigation catalogue: %w", err)
	}
	builtins, err := questionnaire.Builtin()
	if err != nil {
		return fmt.Errorf("built-in questionnaires: %w", err)
	}
	for _, d := range builtins {
		if _, err := q.store.EnsureQuestionnaire(ctx, d.Key, d.Version, d.Title, d.Source()); err != nil {
			return err
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.loaded {
		return nil
	}
	q.cat = cat
	q.defs = map[string]*questionnaire.Definition{}
	if err := q.refreshLocked(ctx); err != nil {
		return err
	}
	q.loaded = true
	return nil
}

// refreshLocked parses stored versions not parsed yet.
func (q *questionnaires) refreshLocked(ctx context.Context) error {
	stored, err := q.store.Questionnaires(ctx)
	if err != nil {
		return err
	}
	for _, src := range stored {
		k := versionKey(src.Key, src.Version)
		if q.defs[k] != nil {
			continue
		}
		d, err := questionnaire.Parse(src.Key+" version "+strconv.Itoa(src.Version), src.Source)
		if err != nil {
			return fmt.Errorf("stored questionnaire %s no longer parses: %w", k, err)
		}
		q.defs[k] = d
	}
	return nil
}

// get returns one version; store.ErrNotFound if there is none.
func (q *questionnaires) get(ctx context.Context, key string, version int) (*questionnaire.Definition, error) {
	if err := q.load(ctx); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if d := q.defs[versionKey(key, version)]; d != nil {
		return d, nil
	}
	if err := q.refreshLocked(ctx); err != nil {
		return nil, err
	}
	if d := q.defs[versionKey(key, version)]; d != nil {
		return d, nil
	}
	return nil, store.ErrNotFound
}

// all returns every version, by key then version.
func (q *questionnaires) all(ctx context.Context) ([]*questionnaire.Definition, error) {
	if err := q.load(ctx); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.refreshLocked(ctx); err != nil {
		return nil, err
	}
	out := make([]*questionnaire.Definition, 0, len(q.defs))
	for _, d := range q.defs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Version < out[j].Version
	})
	return out, nil
}

// latest returns the newest version of each questionnaire.
func (q *questionnaires) latest(ctx context.Context) ([]*questionnaire.Definition, error) {
	all, err := q.all(ctx)
	if err != nil {
		return nil, err
	}
	var out []*questionnaire.Definition
	for i, d := range all {
		if i+1 == len(all) || all[i+1].Key != d.Key {
			out = append(out, d)
		}
	}
	return out, nil
}

func (q *questionnaires) catalogue(ctx context.Context) (*catalogue.Catalogue, error) {
	if err := q.load(ctx); err != nil {
		return nil, err
	}
	return q.cat, nil
}

// importProblems validates an uploaded definition like the built-ins: it must parse, its rules
// must name catalogue mitigations, and its key and version must be new.
// importQuestionnaire checks and stores an uploaded definition, audited as the request's user.
func (s *Server) importQuestionnaire(c echo.Context, filename string, data []byte) (*questionnaire.Definition, questionnaire.Problems, error) {
	ctx := c.Request().Context()
	d, err := questionnaire.Parse(filename, data)
	var probs questionnaire.Problems
	if errors.As(err, &probs) {
		return nil, probs, nil
	}
	if err != nil {
		return nil, nil, err
	}
	cat, err := s.questionnaires.catalogue(ctx)
	if err != nil {
		return nil, nil, err
	}
	if probs := d.CheckMitigations(cat.Has); len(probs) > 0 {
		return nil, probs, nil
	}
	err = s.audited(c, store.AuditQuestionnaireImport, "questionnaire:"+d.Key, map[string]any{"version": d.Version, "title": d.Title},
		func(st *store.Store) error {
			return st.ImportQuestionnaire(ctx, d.Key, d.Version, d.Title, data, authFrom(c).user.ID)
		})
	if errors.Is(err, store.ErrUnique) {
		return nil, questionnaire.Problems{{File: filename, Line: 1,
			Msg: fmt.Sprintf("%s version %d exists already; give the new definition a higher version", d.Key, d.Version)}}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return d, nil, nil
}

// readUpload reads the uploaded file field, refusing files over the size limit.
func readUpload(c echo.Context, field string, limit int64) (string, []byte, error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return "", nil, err
	}
	if fh.Size > limit {
		return fh.Filename, nil, fmt.Errorf("the file is %d KiB; the limit is %d KiB", fh.Size>>10, limit>>10)
	}
	f, err := fh.Open()
	if err != nil {
		return fh.Filename, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("the file is over the %d KiB limit", limit>>10)
	}
	return fh.Filename, data, err
}

func (s *Server) adminQuestionnaires(c echo.Context) error {
	return s.renderAdminQuestionnaires(c, http.StatusOK, templates.QuestionnaireImport{})
}

func (s *Server) renderAdminQuestionnaires(c echo.Context, status int, imp templates.QuestionnaireImport) error {
	stored, err := s.store.Questionnaires(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, status, templates.AdminQuestionnaires(s.page(c, "Questionnaires", "questionnaires"), stored, imp))
}

func (s *Server) adminImportQuestionnaire(c echo.Context) error {
	name, data, err := readUpload(c, "file", questionnaire.MaxFileSize)
	if err != nil {
		return s.renderAdminQuestionnaires(c, http.StatusUnprocessableEntity, templates.QuestionnaireImport{Error: "Choose a YAML file to upload. " + uploadError(err)})
	}
	d, probs, err := s.importQuestionnaire(c, name, data)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return s.renderAdminQuestionnaires(c, http.StatusUnprocessableEntity, templates.QuestionnaireImport{File: name, Problems: problemLines(probs)})
	}
	s.flash(c, fmt.Sprintf("Imported %s version %d.", d.Title, d.Version))
	return c.Redirect(http.StatusSeeOther, "/admin/questionnaires")
}

func uploadError(err error) string {
	if errors.Is(err, http.ErrMissingFile) {
		return ""
	}
	return strings.TrimSuffix(err.Error(), ".") + "."
}

func problemLines(probs questionnaire.Problems) []string {
	out := make([]string, len(probs))
	for i, p := range probs {
		out[i] = p.String()
	}
	return out
}
