package workflow

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/store"
)

// The errors operations return. Adapters test them with errors.Is / errors.As.
var (
	// ErrNotFound: the thing does not exist, or the actor may not know that it does.
	ErrNotFound = store.ErrNotFound
	// ErrForbidden: the actor may see the thing but not do this to it.
	ErrForbidden = errors.New("your role in this project does not allow this")
	// ErrFrozen: the thing cannot change in its current state (an approved assessment, an
	// archived project).
	ErrFrozen = errors.New("cannot be edited in its current state")
	// ErrConflict: the thing changed since the actor read it; see ConflictError for the
	// current revision.
	ErrConflict = store.ErrConflict
)

// ConflictError is ErrConflict with the revision (or version) that is current now, so that a
// client can fetch it and retry.
type ConflictError struct {
	What    string // e.g. "the project changed since version 3"
	Current int64  // the assessment's current revision, or the project's version (Version set)
	Version bool
	// Questions are the answers both the actor and someone else changed, when a stale save of
	// answers was merged (see SaveAnswers); Merged is what the merge made of the actor's answers,
	// the actor's own where both changed, for a form to show.
	Questions []string
	Merged    map[string]any
}

func (e *ConflictError) Error() string { return e.What }

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// FrozenError is ErrFrozen with the reason, fit to show the user, and the current revision
// when the frozen thing has one.
type FrozenError struct {
	Reason  string
	Current int64
}

func (e *FrozenError) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrFrozen) true.
func (e *FrozenError) Is(target error) bool { return target == ErrFrozen }

// ValidationError lists what is wrong with an input, field by field. Field names are the
// input's own (for nested values "datasets[0].name"); messages are sentences fit to show beside
// the field.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	names := make([]string, 0, len(e.Fields))
	for n := range e.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ": " + e.Fields[n]
	}
	return strings.Join(parts, "; ")
}

// First is the first field (in name order) and its message, for clients that show one.
func (e *ValidationError) First() (field, message string) {
	for n, m := range e.Fields {
		if field == "" || n < field {
			field, message = n, m
		}
	}
	return field, message
}

// Invalid is a validation error for one field.
func Invalid(field, message string) *ValidationError {
	return &ValidationError{Fields: map[string]string{field: message}}
}

// Problems collects field messages while an input is checked; the first message per field
// wins.
type Problems map[string]string

// Add records a message for a field unless it has one already.
func (p Problems) Add(field, message string) {
	if _, ok := p[field]; !ok {
		p[field] = message
	}
}

// Merge adds another set of problems, their field names prefixed.
func (p Problems) Merge(prefix string, q Problems) {
	for f, m := range q {
		p.Add(prefix+f, m)
	}
}

// Err is nil when nothing was found, else a *ValidationError.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Fields: map[string]string(p)}
}

func indexed(list string, i int) string { return list + "[" + strconv.Itoa(i) + "]." }
