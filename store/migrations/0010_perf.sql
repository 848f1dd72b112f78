-- Organisation scale: pages cost what they show, not what the instance holds.

-- Every checkpointEvery-th revision keeps the whole state it leads to, so that a past state is
-- rebuilt from the nearest checkpoint before it instead of from the first revision. A
-- checkpoint is a cache: the state rebuilt from it must still hash to the revision's recorded
-- hash, and `piaf check` replays every chain from the start without it.
CREATE TABLE revision_checkpoints (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    number        INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    PRIMARY KEY (assessment_id, number)
);

-- The project list sorts by name and by last change; each page reads a few rows of an index.
CREATE INDEX projects_active_name ON projects (archived_at, name COLLATE NOCASE, id);
CREATE INDEX projects_active_updated ON projects (archived_at, updated_at, id);

-- The dashboard and lists ask for the latest cycle of each project.
CREATE INDEX assessments_project_cycle ON assessments (project_id, cycle DESC);

-- Dashboards join findings and mitigations of the latest cycles only.
CREATE INDEX findings_assessment_open ON findings (assessment_id, live, status, residual_level);
CREATE INDEX mitigations_assessment_due ON mitigations (assessment_id, status, due);

-- Per-user lists read newest first.
CREATE INDEX notifications_user_id ON notifications (user_id, id DESC);
CREATE INDEX audit_log_at ON audit_log (at);

-- Verifying a report looks its revision up by state hash.
CREATE INDEX revisions_state_hash ON revisions (state_hash);
