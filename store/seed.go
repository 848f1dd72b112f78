package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// The bulk writer behind `piaf seed`: demo and benchmark instances written straight into the
// tables, in large transactions with prepared statements, with the same rows the store's own
// operations write (revisions that replay to their recorded hashes, the findings and mitigations
// projections, review events).

// HasContent tells whether the database holds anything a person made: accounts or projects.
func (s *Store) HasContent(ctx context.Context) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM projects)").Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: count content: %w", err)
	}
	return n > 0, nil
}

// SeedProject is a project to write with its datasets and members.
type SeedProject struct {
	Fields   assessments.ProjectFields
	Owner    int64
	Members  map[int64]assessments.Role // besides the owner
	Datasets []assessments.Dataset
	At       time.Time
}

// SeedRevision is one revision of a seeded assessment; Hash is the state's after Change.
type SeedRevision struct {
	Author  int64
	At      time.Time
	Summary string
	Change  assessments.Change
	Hash    string
	// Event, when set, records a review event (submit or decision) on this revision.
	Event      assessments.ReviewKind
	EventEmail string
	// Canonical, optional, is the state's canonical JSON after Change. Given for the revisions
	// where CheckpointAt is true and for the last one, it spares the Seeder replaying the chain.
	Canonical []byte
}

// SeedAssessment is one assessment cycle with its whole history; State is the state after the
// last revision.
type SeedAssessment struct {
	ProjectID  int64
	Cycle      int
	CreatedBy  int64
	Revisions  []SeedRevision
	State      assessments.State
	ApprovedAt *time.Time
	NextReview string
}

// Seeder writes in one open transaction; Flush commits it and starts the next.
type Seeder struct {
	s     *Store
	ctx   context.Context
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	rows  int
}

var seedStatements = map[string]string{
	"user":    `INSERT INTO users (email, name, password_hash, is_admin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
	"project": `INSERT INTO projects (name, purpose, base_model, deployment, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
	"member":  `INSERT INTO members (project_id, user_id, role, added_at) VALUES (?, ?, ?, ?)`,
	"dataset": `INSERT INTO datasets (project_id, name, source, categories, special_categories, data_subjects, approx_records,
		retention, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"assessment": `INSERT INTO assessments (project_id, cycle, questionnaire_key, questionnaire_version, status, revision, state,
		state_hash, created_by, created_at, updated_at, approved_at, next_review_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"revision": `INSERT INTO revisions (assessment_id, number, parent, author_id, created_at, summary, changes, state_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	"event": `INSERT INTO review_events (assessment_id, kind, user_id, user_email, revision, state_hash, comment, created_at)
		VALUES (?, ?, ?, ?, ?, ?, '', ?)`,
	"checkpoint": `INSERT INTO revision_checkpoints (assessment_id, number, state) VALUES (?, ?, ?)`,
}

// Seed runs fn with a Seeder and commits what it wrote. Rows go in transactions of about
// batch rows (Flush), so a large instance does not sit in one huge write-ahead log.
//
// For the run only, the writer connection does not wait for the disk at commits
// (synchronous=OFF: a crash during a seed can lose the seed, which is made again) and keeps a
// 64 MB page cache for the indexes it fills; both go back to the server's settings after.
func (s *Store) Seed(ctx context.Context, fn func(*Seeder) error) error {
	if _, err := s.writeDB.ExecContext(ctx, "PRAGMA synchronous=OFF; PRAGMA cache_size=-65536"); err != nil {
		return fmt.Errorf("store: seed: pragmas: %w", err)
	}
	defer s.writeDB.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous=NORMAL; PRAGMA cache_size="+strconv.Itoa(cacheSize))
	sd := &Seeder{s: s, ctx: ctx}
	if err := sd.begin(); err != nil {
		return err
	}
	if err := fn(sd); err != nil {
		sd.tx.Rollback()
		return err
	}
	return sd.commit()
}

func (sd *Seeder) begin() error {
	tx, err := sd.s.writeDB.BeginTx(sd.ctx, nil)
	if err != nil {
		return fmt.Errorf("store: seed: begin: %w", err)
	}
	sd.tx, sd.stmts = tx, map[string]*sql.Stmt{}
	for name, q := range seedStatements {
		st, err := tx.PrepareContext(sd.ctx, q)
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("store: seed: prepare %s: %w", name, err)
		}
		sd.stmts[name] = st
	}
	return nil
}

func (sd *Seeder) commit() error {
	for _, st := range sd.stmts {
		st.Close()
	}
	err := sd.tx.Commit()
	sd.s.cache.changed()
	if err != nil {
		return fmt.Errorf("store: seed: commit: %w", err)
	}
	sd.rows = 0
	return nil
}

// maybeFlush commits once the transaction holds many rows.
func (sd *Seeder) maybeFlush() error {
	if sd.rows < 50000 {
		return nil
	}
	if err := sd.commit(); err != nil {
		return err
	}
	return sd.begin()
}

func (sd *Seeder) exec(name string, args ...any) (int64, error) {
	res, err := sd.stmts[name].ExecContext(sd.ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("store: seed %s: %w", name, err)
	}
	sd.rows++
	return res.LastInsertId()
}

// User writes an account; PasswordHash is stored as given.
func (sd *Seeder) User(n NewUser, at time.Time) (int64, error) {
	stamp := formatTime(at)
	id, err := sd.exec("user", n.Email, n.Name, n.PasswordHash, boolInt(n.IsAdmin), stamp, stamp)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("%w: %s", ErrUnique, n.Email)
	}
	return id, err
}

// Project writes a project, its owner and members, and its datasets.
func (sd *Seeder) Project(p SeedProject) (int64, error) {
	stamp := formatTime(p.At)
	f := p.Fields
	id, err := sd.exec("project", f.Name, f.Purpose, f.BaseModel, f.Deployment, p.Owner, stamp, stamp)
	if err != nil {
		return 0, err
	}
	if _, err := sd.exec("member", id, p.Owner, string(assessments.RoleOwner), stamp); err != nil {
		return 0, err
	}
	for uid, role := range p.Members {
		if uid == p.Owner {
			continue
		}
		if _, err := sd.exec("member", id, uid, string(role), stamp); err != nil {
			return 0, err
		}
	}
	for _, d := range p.Datasets {
		if _, err := sd.exec("dataset", id, d.Name, d.Source, d.Categories, boolInt(d.SpecialCategories), d.DataSubjects,
			d.ApproxRecords, d.Retention, stamp, stamp); err != nil {
			return 0, err
		}
	}
	return id, sd.maybeFlush()
}

// Assessment writes an assessment cycle, all its revisions and checkpoints, its review events
// and its findings and mitigations projections.
func (sd *Seeder) Assessment(a SeedAssessment) (int64, error) {
	if len(a.Revisions) == 0 {
		return 0, fmt.Errorf("store: seed: an assessment needs at least one revision")
	}
	first, last := a.Revisions[0], a.Revisions[len(a.Revisions)-1]
	current := last.Canonical
	if current == nil {
		current = a.State.Canonical()
	}
	if sum := sha256.Sum256(current); last.Hash != hex.EncodeToString(sum[:]) {
		return 0, fmt.Errorf("store: seed: the last revision's hash is not the state's")
	}
	var approved, next any
	if a.ApprovedAt != nil {
		approved = formatTime(*a.ApprovedAt)
	}
	if a.NextReview != "" {
		next = a.NextReview
	}
	id, err := sd.exec("assessment", a.ProjectID, a.Cycle, a.State.Questionnaire, a.State.QuestionnaireVersion,
		string(a.State.Status), len(a.Revisions), string(current), last.Hash, nullID(a.CreatedBy),
		formatTime(first.At), formatTime(last.At), approved, next)
	if err != nil {
		return 0, err
	}
	// The chain is replayed only when a checkpoint's state was not given.
	replay := false
	for i, r := range a.Revisions {
		replay = replay || (CheckpointAt(i+1) && r.Canonical == nil)
	}
	var state assessments.State
	for i, r := range a.Revisions {
		if replay {
			state = state.Apply(r.Change)
		}
		if CheckpointAt(i + 1) {
			cp := r.Canonical
			if cp == nil {
				cp = state.Canonical()
			}
			if _, err := sd.exec("checkpoint", id, i+1, string(cp)); err != nil {
				return 0, err
			}
		}
		changes, err := json.Marshal(r.Change)
		if err != nil {
			return 0, err
		}
		var parent any
		if i > 0 {
			parent = i
		}
		stamp := formatTime(r.At)
		if _, err := sd.exec("revision", id, i+1, parent, nullID(r.Author), stamp, r.Summary, string(changes), r.Hash); err != nil {
			return 0, err
		}
		if r.Event != "" {
			if _, err := sd.exec("event", id, string(r.Event), nullID(r.Author), r.EventEmail, i+1, r.Hash, stamp); err != nil {
				return 0, err
			}
		}
	}
	if err := project(sd.ctx, sd.tx, id, a.State); err != nil {
		return 0, err
	}
	return id, sd.maybeFlush()
}
