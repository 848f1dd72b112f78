-- Risk work across approval and cycles: mitigation tracking after approval, comments carried into
-- the next cycle, and indexes for personal worklists and the cross-project mitigation register.

-- Tracking records move a mitigation of an approved assessment on (status, owner, due date,
-- evidence) without changing the approved state or its hash. Each record names the approved
-- revision it tracks and chains to the one before it (assessments.TrackingRecord.ComputeHash).
CREATE TABLE mitigation_tracking (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL CHECK (seq > 0),
    mitigation_id TEXT    NOT NULL,
    change        TEXT    NOT NULL,
    by_id         INTEGER NOT NULL DEFAULT 0, -- no foreign key: records outlive accounts
    by_name       TEXT    NOT NULL,
    at            TEXT    NOT NULL,
    revision      INTEGER NOT NULL,
    state_hash    TEXT    NOT NULL,
    prev_hash     TEXT    NOT NULL,
    hash          TEXT    NOT NULL,
    PRIMARY KEY (assessment_id, seq)
);
CREATE INDEX mitigation_tracking_mitigation ON mitigation_tracking (assessment_id, mitigation_id, seq);

CREATE TRIGGER mitigation_tracking_no_update BEFORE UPDATE ON mitigation_tracking
BEGIN
    SELECT RAISE(ABORT, 'mitigation tracking is append-only');
END;

-- The projection says when tracking last moved a mitigation, and whether its status is what was
-- approved, so the register shows "as approved" beside "now".
ALTER TABLE mitigations ADD COLUMN approved_status TEXT;
ALTER TABLE mitigations ADD COLUMN tracked_at TEXT;
CREATE INDEX mitigations_owner ON mitigations (owner_id, status, due);

-- A residual risk below the inherent one counts only when a linked mitigation is implemented or
-- verified (assessments.EffectiveResidual); otherwise it is projected, and the evidenced level is
-- the inherent one. Tracking after approval moves both.
ALTER TABLE findings ADD COLUMN evidenced_level INTEGER;
ALTER TABLE findings ADD COLUMN projected INTEGER NOT NULL DEFAULT 0 CHECK (projected IN (0, 1));

-- A comment carried from the previous cycle points at its original.
ALTER TABLE comments ADD COLUMN carried_from INTEGER REFERENCES comments (id) ON DELETE SET NULL;
CREATE INDEX comments_open ON comments (assessment_id) WHERE resolved_at IS NULL;

CREATE INDEX assessments_status ON assessments (status, project_id);
CREATE INDEX review_events_kind ON review_events (assessment_id, kind, id);
