package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// Audit actions. A dotted name belongs to the group before its dot, which the audit page filters on.
const (
	AuditLogin                    = "login"
	AuditLoginFailed              = "login_failed"
	AuditLogout                   = "logout"
	AuditUserCreate               = "user.create"
	AuditUserUpdate               = "user.update"
	AuditUserDisable              = "user.disable"
	AuditUserEnable               = "user.enable"
	AuditUserResetLink            = "user.reset_link"
	AuditUserPassword             = "user.password"
	AuditMemberAdd                = "member.add"
	AuditMemberRole               = "member.role"
	AuditMemberRemove             = "member.remove"
	AuditTokenCreate              = "token.create"
	AuditTokenRevoke              = "token.revoke"
	AuditAssessmentSubmit         = "assessment.submit"
	AuditAssessmentApprove        = "assessment.approve"
	AuditAssessmentRequestChanges = "assessment.request_changes"
	AuditAssessmentReassess       = "assessment.reassess"
	AuditAssessmentRestore        = "assessment.restore"
	AuditRiskAccept               = "risk.accept"
	AuditRiskWithdraw             = "risk.withdraw"
	AuditQuestionnaireImport      = "questionnaire.import"
	AuditSettingsChange           = "settings.change"
	AuditReportExport             = "report.export"
	AuditKeyChange                = "key.change"
	AuditPasswordFailed           = "user.password_failed"
	AuditCSRFRefused              = "csrf.refused"
	AuditAccessDenied             = "access.denied"
)

// AuditActions lists the actions above, grouped, for the audit page's filter.
var AuditActions = []string{
	AuditLogin, AuditLoginFailed, AuditLogout,
	AuditUserCreate, AuditUserUpdate, AuditUserDisable, AuditUserEnable, AuditUserResetLink, AuditUserPassword, AuditPasswordFailed,
	AuditMemberAdd, AuditMemberRole, AuditMemberRemove,
	AuditTokenCreate, AuditTokenRevoke,
	AuditAssessmentSubmit, AuditAssessmentApprove, AuditAssessmentRequestChanges, AuditAssessmentReassess, AuditAssessmentRestore,
	AuditRiskAccept, AuditRiskWithdraw,
	AuditQuestionnaireImport, AuditSettingsChange, AuditReportExport, AuditKeyChange,
	AuditCSRFRefused, AuditAccessDenied,
}

// AuditTarget names what an action was done to, e.g. AuditTarget("project", 3) is "project:3".
func AuditTarget(kind string, id int64) string { return kind + ":" + strconv.FormatInt(id, 10) }

// AuditEvent is something to record. ActorID 0 means nobody was signed in (a failed login, a
// command run on the server). Details must never hold a secret: no passwords, tokens or links.
type AuditEvent struct {
	ActorID    int64
	ActorEmail string
	ClientAddr string
	Action     string
	Target     string
	Details    map[string]any
}

// auditGenesis is the prev_hash of entry #1.
var auditGenesis = strings.Repeat("0", 64)

// auditRow is an entry exactly as stored, which is what its hash covers.
type auditRow struct {
	seq        int64
	at         string
	actorID    sql.NullInt64
	actorEmail string
	clientAddr string
	action     string
	target     string
	details    string
	prevHash   string
	hash       string
}

const auditColumns = "seq, at, actor_id, actor_email, client_addr, action, target, details, prev_hash, hash"

func scanAuditRow(row interface{ Scan(...any) error }) (auditRow, error) {
	var r auditRow
	err := row.Scan(&r.seq, &r.at, &r.actorID, &r.actorEmail, &r.clientAddr, &r.action, &r.target, &r.details, &r.prevHash, &r.hash)
	if err != nil {
		return r, fmt.Errorf("store: scan audit entry: %w", err)
	}
	return r, nil
}

// computeHash is the hex SHA-256 of the entry. After a version tag, each field is written as its
// length (8 bytes, big endian) and its bytes, so no field can be shifted into its neighbour and
// every byte counts (JSON would fold invalid UTF-8 into one replacement character). A NULL actor
// is the empty string, which no id is. Changing this breaks every existing chain.
func (r auditRow) computeHash() string {
	actor := ""
	if r.actorID.Valid {
		actor = strconv.FormatInt(r.actorID.Int64, 10)
	}
	h := sha256.New()
	for _, f := range []string{"piaf-audit-v1", strconv.FormatInt(r.seq, 10), r.at, actor, r.actorEmail, r.clientAddr,
		r.action, r.target, r.details, r.prevHash} {
		writeField(h, f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, f string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(f)))
	h.Write(n[:])
	io.WriteString(h, f)
}

// canonicalDetails encodes details as a JSON object with sorted keys (encoding/json sorts map
// keys at every level) and without HTML escaping, so the stored text reads as written.
func canonicalDetails(d map[string]any) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// Audit appends an event to the log in its own write transaction.
func (s *Store) Audit(ctx context.Context, e AuditEvent) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.AuditTx(ctx, tx, e) })
}

// AuditTx appends an event inside a write transaction the caller already holds, so that the
// event is recorded if and only if the change it describes is. The last entry is read in the same
// transaction: write transactions begin IMMEDIATE on the single writer connection, so concurrent
// appends queue and each links to the one before it.
func (s *Store) AuditTx(ctx context.Context, tx *sql.Tx, e AuditEvent) error {
	if strings.TrimSpace(e.Action) == "" {
		return errors.New("store: audit: the action is empty")
	}
	details, err := canonicalDetails(e.Details)
	if err != nil {
		return fmt.Errorf("store: audit %s: details: %w", e.Action, err)
	}
	r := auditRow{at: s.stamp(), actorEmail: e.ActorEmail, clientAddr: e.ClientAddr, action: e.Action, target: e.Target, details: details}
	if e.ActorID != 0 {
		r.actorID = sql.NullInt64{Int64: e.ActorID, Valid: true}
	}
	err = tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&r.seq, &r.prevHash)
	if errors.Is(err, sql.ErrNoRows) {
		r.seq, r.prevHash, err = 0, auditGenesis, nil
	}
	if err != nil {
		return fmt.Errorf("store: audit: last entry: %w", err)
	}
	r.seq++
	r.hash = r.computeHash()
	_, err = tx.ExecContext(ctx, "INSERT INTO audit_log ("+auditColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.seq, r.at, r.actorID, r.actorEmail, r.clientAddr, r.action, r.target, r.details, r.prevHash, r.hash)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditQuery selects entries; empty fields select everything.
type AuditQuery struct {
	// Action is an action ("member.role") or a group ("member" or "member."), which matches every
	// action under it. A plain prefix would let "login" match "login_failed".
	Action string
	Actor  string    // part of the actor's email, any case
	Target string    // exactly, e.g. "project:3"
	Since  time.Time // from this instant on
	Until  time.Time // before this instant
	Limit  int       // zero: all (AuditPage: one entry)
	Offset int       // AuditEntries only
	Before int64     // AuditPage only: entries before this seq; zero: from the newest
}

// AuditEntries returns one page of matching entries, newest first, and how many match in all.
// Counting reads every match: pages that grow with the log use AuditPage.
func (s *Store) AuditEntries(ctx context.Context, q AuditQuery) ([]assessments.AuditEntry, int, error) {
	where, args := auditWhere(q)
	from := " FROM audit_log WHERE " + where
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count audit entries: %w", err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	entries, err := s.auditRows(ctx, "SELECT "+auditColumns+from+" ORDER BY seq DESC LIMIT ? OFFSET ?",
		append(args, limit, max(q.Offset, 0))...)
	return entries, total, err
}

// MaxAuditPage bounds the entries AuditPage reads at once.
const MaxAuditPage = 200

// AuditPage returns up to q.Limit (at most MaxAuditPage) matching entries before entry q.Before
// (zero: from the newest), newest first, and when older matches remain, the seq to ask for them
// with (zero: none). It reads backwards along the primary key and stops after the page, without
// counting: its cost does not grow with the log (a filter that matches few entries reads until
// it has found a page or reached the start).
func (s *Store) AuditPage(ctx context.Context, q AuditQuery) (entries []assessments.AuditEntry, older int64, err error) {
	limit := min(max(q.Limit, 1), MaxAuditPage)
	where, args := auditWhere(q)
	if q.Before > 0 {
		where += " AND seq < ?"
		args = append(args, q.Before)
	}
	entries, err = s.auditRows(ctx, "SELECT "+auditColumns+" FROM audit_log WHERE "+where+" ORDER BY seq DESC LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, 0, err
	}
	if len(entries) > limit {
		entries = entries[:limit]
		older = entries[limit-1].Seq
	}
	return entries, older, nil
}

// auditWhere is the condition selecting q's entries (Before, Limit and Offset aside).
func auditWhere(q AuditQuery) (string, []any) {
	where := []string{"1 = 1"}
	var args []any
	if action := strings.TrimSuffix(strings.TrimSpace(q.Action), "."); action != "" {
		where = append(where, `(action = ? OR action LIKE ? ESCAPE '\')`)
		args = append(args, action, escapeLike(action)+".%")
	}
	if actor := strings.TrimSpace(q.Actor); actor != "" {
		where = append(where, `actor_email LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(actor)+"%")
	}
	if target := strings.TrimSpace(q.Target); target != "" {
		where = append(where, "target = ?")
		args = append(args, target)
	}
	if !q.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, formatTime(q.Since))
	}
	if !q.Until.IsZero() {
		where = append(where, "at < ?")
		args = append(args, formatTime(q.Until))
	}
	return strings.Join(where, " AND "), args
}

func (s *Store) auditRows(ctx context.Context, query string, args ...any) ([]assessments.AuditEntry, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit entries: %w", err)
	}
	defer rows.Close()
	var entries []assessments.AuditEntry
	for rows.Next() {
		r, err := scanAuditRow(rows)
		if err != nil {
			return nil, err
		}
		e, err := r.entry()
		if err != nil {
			return nil, fmt.Errorf("store: audit entry %d: %w", r.seq, err)
		}
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

func (r auditRow) entry() (assessments.AuditEntry, error) {
	at, err := parseTime(r.at)
	if err != nil {
		return assessments.AuditEntry{}, err
	}
	e := assessments.AuditEntry{Seq: r.seq, At: at, ActorID: r.actorID.Int64, ActorEmail: r.actorEmail, ClientAddr: r.clientAddr,
		Action: r.action, Target: r.target, PrevHash: r.prevHash, Hash: r.hash}
	dec := json.NewDecoder(strings.NewReader(r.details))
	dec.UseNumber()
	if err := dec.Decode(&e.Details); err != nil {
		// Only an edit behind the app's back gets here; show what is there rather than fail.
		e.Details = map[string]any{"unreadable": r.details}
	}
	return e, nil
}

// VerifyAudit walks the whole chain in seq order and stops at the first bad entry: a gap in seq
// (an entry removed), a prev_hash that is not the hash of the entry before (entries removed,
// reordered or rewritten), or a hash that does not match the entry's content (an entry changed).
// It records what it found as the verified head (audit_verified), which VerifyAuditSinceHead
// starts from: a problem found here is shown by the audit page until a full walk finds the chain
// intact again. A read-only store records nothing.
//
// Entries removed from the end leave a shorter chain that is still intact: that is only
// detectable against a head recorded outside the database, which is why the report, and
// `piaf audit verify`, give the head's seq and hash.
func (s *Store) VerifyAudit(ctx context.Context) (assessments.AuditReport, error) {
	w := auditWalk{rep: assessments.AuditReport{HeadHash: auditGenesis}}
	if err := s.walkAudit(ctx, &w, 0); err != nil {
		return w.rep, err
	}
	if !s.readOnly() {
		if err := s.recordAuditHead(ctx, w.rep, true, 0); err != nil {
			return w.rep, err
		}
	}
	return w.rep, nil
}

// VerifyAuditSinceHead verifies only what was written since the last verification: it checks
// that the verified head entry is still there unchanged, then walks the entries after it, and
// records the new head. Its cost is the number of new entries, not the length of the log. An
// entry before the head changed since it was verified is found by the next full walk
// (VerifyAudit: `piaf check`, `piaf audit verify` and the server's periodic check), whose
// finding this then reports. With no head recorded yet, or on a read-only store, it walks the
// whole chain.
func (s *Store) VerifyAuditSinceHead(ctx context.Context) (assessments.AuditReport, error) {
	if s.readOnly() {
		return s.VerifyAudit(ctx)
	}
	var head struct {
		seq       int64
		hash      string
		badSeq    sql.NullInt64
		badReason string
	}
	err := s.read.QueryRowContext(ctx, "SELECT seq, hash, bad_seq, bad_reason FROM audit_verified WHERE id = 1").
		Scan(&head.seq, &head.hash, &head.badSeq, &head.badReason)
	if errors.Is(err, sql.ErrNoRows) {
		return s.VerifyAudit(ctx)
	}
	if err != nil {
		return assessments.AuditReport{}, fmt.Errorf("store: audit head: %w", err)
	}
	w := auditWalk{rep: assessments.AuditReport{Entries: head.seq, HeadSeq: head.seq, HeadHash: head.hash}}
	if head.badSeq.Valid {
		w.rep.Bad = &assessments.AuditProblem{Seq: head.badSeq.Int64, Reason: head.badReason}
		return w.rep, nil
	}
	if head.seq > 0 {
		// The head itself must still be the entry that was verified.
		r, err := scanAuditRow(s.read.QueryRowContext(ctx, "SELECT "+auditColumns+" FROM audit_log WHERE seq = ?", head.seq))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			w.rep.Bad = &assessments.AuditProblem{Seq: head.seq, Reason: "was removed (it had been verified)"}
		case err != nil:
			return w.rep, fmt.Errorf("store: audit head: %w", err)
		case r.hash != head.hash || r.computeHash() != r.hash:
			w.rep.Bad = &assessments.AuditProblem{Seq: head.seq, Reason: "was changed (its hash does not match its content)"}
		}
		if w.rep.Bad != nil {
			w.rep.HeadSeq, w.rep.Entries = head.seq-1, head.seq-1
			return w.rep, s.recordAuditHead(ctx, w.rep, false, head.seq)
		}
	}
	if err := s.walkAudit(ctx, &w, head.seq); err != nil {
		return w.rep, err
	}
	if w.rep.HeadSeq == head.seq && w.rep.Bad == nil {
		return w.rep, nil // nothing new
	}
	return w.rep, s.recordAuditHead(ctx, w.rep, false, head.seq)
}

// recordAuditHead stores a verification's outcome. A full walk replaces whatever was recorded;
// an incremental one (from the head at seq from) only moves a head that is still where it
// started, so two views verifying at once, or a full walk in between, are not undone.
func (s *Store) recordAuditHead(ctx context.Context, rep assessments.AuditReport, full bool, from int64) error {
	var badSeq any
	reason := ""
	if rep.Bad != nil {
		badSeq, reason = rep.Bad.Seq, rep.Bad.Reason
	}
	var err error
	if full {
		_, err = s.write.ExecContext(ctx, `INSERT INTO audit_verified (id, seq, hash, bad_seq, bad_reason, checked_at)
			VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
			bad_seq = excluded.bad_seq, bad_reason = excluded.bad_reason, checked_at = excluded.checked_at`,
			rep.HeadSeq, rep.HeadHash, badSeq, reason, s.stamp())
	} else {
		_, err = s.write.ExecContext(ctx, `UPDATE audit_verified SET seq = ?, hash = ?, bad_seq = ?, bad_reason = ?, checked_at = ?
			WHERE id = 1 AND seq = ? AND bad_seq IS NULL`, rep.HeadSeq, rep.HeadHash, badSeq, reason, s.stamp(), from)
	}
	if err != nil {
		return fmt.Errorf("store: record the verified audit head: %w", err)
	}
	return nil
}

// auditWalk checks entries one after the other from an intact head.
type auditWalk struct{ rep assessments.AuditReport }

// walkAudit checks the entries after seq, in order, until the first bad one.
func (s *Store) walkAudit(ctx context.Context, w *auditWalk, after int64) error {
	rows, err := s.read.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit_log WHERE seq > ? ORDER BY seq", after)
	if err != nil {
		return fmt.Errorf("store: verify audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAuditRow(rows)
		if err != nil {
			return err
		}
		if !w.step(r) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: verify audit log: %w", err)
	}
	return nil
}

// step checks the entry after the head; false when it is bad (w.rep.Bad says why).
func (w *auditWalk) step(r auditRow) bool {
	rep := &w.rep
	want := rep.HeadSeq + 1
	switch {
	case r.seq > want:
		rep.Bad = &assessments.AuditProblem{Seq: want, Reason: fmt.Sprintf("was removed (the next entry is #%d)", r.seq)}
	case r.seq < want:
		rep.Bad = &assessments.AuditProblem{Seq: r.seq, Reason: fmt.Sprintf("is out of sequence (expected #%d)", want)}
	case r.prevHash != rep.HeadHash:
		rep.Bad = &assessments.AuditProblem{Seq: r.seq, Reason: fmt.Sprintf(
			"does not link to entry #%d (one of them was rewritten, or entries were removed or reordered)", rep.HeadSeq)}
		if rep.HeadSeq == 0 {
			rep.Bad.Reason = "does not start the chain (entries before it were removed or it was rewritten)"
		}
	case r.computeHash() != r.hash:
		rep.Bad = &assessments.AuditProblem{Seq: r.seq, Reason: "was changed (its hash does not match its content)"}
	}
	if rep.Bad != nil {
		return false
	}
	rep.Entries++
	rep.HeadSeq, rep.HeadHash = r.seq, r.hash
	return true
}
