-- Organisation scale, part 4: the dashboard's and the project list's totals kept as counts, so
-- that a page read right after a write costs the same on 100 projects as on 10,000.
--
-- assessments.current marks the latest cycle of an active project, the one the dashboard reads.
-- counters and due_days hold, over the current assessments, what the dashboard counts: due_days
-- by date (what is overdue or due soon depends on today), counters the rest. Triggers keep them
-- in the transaction of every write that changes them, whichever code path makes it; `piaf
-- check` recounts them from the tables (store.checkCounters).
ALTER TABLE assessments ADD COLUMN current INTEGER NOT NULL DEFAULT 0;
UPDATE assessments SET current = 1 WHERE (cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = assessments.project_id) AND (SELECT archived_at IS NULL FROM projects p WHERE p.id = assessments.project_id));

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, n) VALUES
    ('projects.active', (SELECT count(*) FROM projects WHERE archived_at IS NULL)),
    ('projects.archived', (SELECT count(*) FROM projects WHERE archived_at IS NOT NULL)),
    ('risks.open_high', (SELECT count(*) FROM findings f JOIN assessments a ON a.id = f.assessment_id AND a.current = 1
        WHERE f.live = 1 AND f.status = 'open' AND f.residual_level >= 3)),
    ('reassessments.required', (SELECT count(*) FROM assessments WHERE current = 1 AND status = 'approved'
        AND coalesce(reassessment_reason, '') <> ''));

-- kind: 'mitigation' (a linked mitigation not done, by due date), 'acceptance' (an accepted risk,
-- by expiry), 'review' (an approved assessment not required to be redone, by review date).
CREATE TABLE due_days (
    kind TEXT    NOT NULL,
    day  TEXT    NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (kind, day)
) WITHOUT ROWID;
INSERT INTO due_days (kind, day, n)
    SELECT 'mitigation', mi.due, count(*) FROM mitigations mi JOIN assessments a ON a.id = mi.assessment_id AND a.current = 1
        WHERE mi.findings > 0 AND mi.due IS NOT NULL AND mi.status IN ('planned', 'in_progress') GROUP BY mi.due
    UNION ALL
    SELECT 'acceptance', f.acceptance_expires, count(*) FROM findings f JOIN assessments a ON a.id = f.assessment_id AND a.current = 1
        WHERE f.live = 1 AND f.status = 'accepted' AND f.acceptance_expires IS NOT NULL GROUP BY f.acceptance_expires
    UNION ALL
    SELECT 'review', next_review_at, count(*) FROM assessments WHERE current = 1 AND status = 'approved'
        AND coalesce(reassessment_reason, '') = '' AND next_review_at IS NOT NULL GROUP BY next_review_at;

-- Projects.
CREATE TRIGGER projects_count_insert AFTER INSERT ON projects BEGIN
    UPDATE counters SET n = n + 1 WHERE name = CASE WHEN new.archived_at IS NULL THEN 'projects.active' ELSE 'projects.archived' END;
END;
CREATE TRIGGER projects_count_archive AFTER UPDATE OF archived_at ON projects
WHEN (old.archived_at IS NULL) <> (new.archived_at IS NULL) BEGIN
    UPDATE counters SET n = n + CASE WHEN name = 'projects.active' THEN 1 ELSE -1 END * CASE WHEN new.archived_at IS NULL THEN 1 ELSE -1 END
        WHERE name IN ('projects.active', 'projects.archived');
    UPDATE assessments SET current = (cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = assessments.project_id)
        AND (SELECT archived_at IS NULL FROM projects p WHERE p.id = assessments.project_id))
    WHERE project_id = new.id AND current IS NOT (cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = assessments.project_id)
        AND (SELECT archived_at IS NULL FROM projects p WHERE p.id = assessments.project_id));
END;
CREATE TRIGGER projects_count_delete BEFORE DELETE ON projects BEGIN
    UPDATE counters SET n = n - 1 WHERE name = CASE WHEN old.archived_at IS NULL THEN 'projects.active' ELSE 'projects.archived' END;
    UPDATE assessments SET current = 0 WHERE project_id = old.id AND current = 1;
END;

-- Assessments: a new cycle becomes current; a change of current adds or removes everything the
-- assessment counts; an approval, a review date or a required re-assessment moves its own line.
CREATE TRIGGER assessments_current_insert AFTER INSERT ON assessments BEGIN
    UPDATE assessments SET current = (cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = assessments.project_id)
        AND (SELECT archived_at IS NULL FROM projects p WHERE p.id = assessments.project_id))
    WHERE project_id = new.project_id AND current IS NOT (cycle = (SELECT max(cycle) FROM assessments x WHERE x.project_id = assessments.project_id)
        AND (SELECT archived_at IS NULL FROM projects p WHERE p.id = assessments.project_id));
END;
CREATE TRIGGER assessments_current_change AFTER UPDATE OF current ON assessments
WHEN old.current <> new.current BEGIN
    UPDATE counters SET n = n + (CASE WHEN new.current = 1 THEN 1 ELSE -1 END) * (SELECT count(*) FROM findings WHERE assessment_id = new.id
        AND live = 1 AND status = 'open' AND residual_level >= 3) WHERE name = 'risks.open_high';
    INSERT INTO due_days (kind, day, n) SELECT 'acceptance', acceptance_expires, (CASE WHEN new.current = 1 THEN 1 ELSE -1 END) * count(*) FROM findings
        WHERE assessment_id = new.id AND live = 1 AND status = 'accepted' AND acceptance_expires IS NOT NULL
        GROUP BY acceptance_expires ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
    INSERT INTO due_days (kind, day, n) SELECT 'mitigation', due, (CASE WHEN new.current = 1 THEN 1 ELSE -1 END) * count(*) FROM mitigations
        WHERE assessment_id = new.id AND findings > 0 AND due IS NOT NULL AND status IN ('planned', 'in_progress')
        GROUP BY due ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
    INSERT INTO due_days (kind, day, n) SELECT 'review', new.next_review_at, (CASE WHEN new.current = 1 THEN 1 ELSE -1 END)
        WHERE new.status = 'approved' AND coalesce(new.reassessment_reason, '') = '' AND new.next_review_at IS NOT NULL
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
    UPDATE counters SET n = n + (CASE WHEN new.current = 1 THEN 1 ELSE -1 END) WHERE name = 'reassessments.required'
        AND new.status = 'approved' AND coalesce(new.reassessment_reason, '') <> '';
END;
CREATE TRIGGER assessments_count_update AFTER UPDATE OF status, next_review_at, reassessment_reason ON assessments
WHEN old.current = 1 AND new.current = 1 BEGIN
    INSERT INTO due_days (kind, day, n) SELECT 'review', old.next_review_at, -1
        WHERE old.status = 'approved' AND coalesce(old.reassessment_reason, '') = '' AND old.next_review_at IS NOT NULL
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
    UPDATE counters SET n = n + -1 WHERE name = 'reassessments.required'
        AND old.status = 'approved' AND coalesce(old.reassessment_reason, '') <> '';
    INSERT INTO due_days (kind, day, n) SELECT 'review', new.next_review_at, 1
        WHERE new.status = 'approved' AND coalesce(new.reassessment_reason, '') = '' AND new.next_review_at IS NOT NULL
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
    UPDATE counters SET n = n + 1 WHERE name = 'reassessments.required'
        AND new.status = 'approved' AND coalesce(new.reassessment_reason, '') <> '';
END;

-- Findings and mitigations of current assessments.
CREATE TRIGGER findings_count_insert AFTER INSERT ON findings WHEN (new.live = 1 AND new.status = 'open' AND new.residual_level >= 3) OR (new.live = 1 AND new.status = 'accepted' AND new.acceptance_expires IS NOT NULL) BEGIN
    UPDATE counters SET n = n + 1 WHERE name = 'risks.open_high' AND (new.live = 1 AND new.status = 'open' AND new.residual_level >= 3) AND (SELECT current FROM assessments WHERE id = new.assessment_id) = 1;
    INSERT INTO due_days (kind, day, n) SELECT 'acceptance', new.acceptance_expires, 1 WHERE (new.live = 1 AND new.status = 'accepted' AND new.acceptance_expires IS NOT NULL) AND (SELECT current FROM assessments WHERE id = new.assessment_id) = 1
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER findings_count_delete AFTER DELETE ON findings WHEN (old.live = 1 AND old.status = 'open' AND old.residual_level >= 3) OR (old.live = 1 AND old.status = 'accepted' AND old.acceptance_expires IS NOT NULL) BEGIN
    UPDATE counters SET n = n + -1 WHERE name = 'risks.open_high' AND (old.live = 1 AND old.status = 'open' AND old.residual_level >= 3) AND (SELECT current FROM assessments WHERE id = old.assessment_id) = 1;
    INSERT INTO due_days (kind, day, n) SELECT 'acceptance', old.acceptance_expires, -1 WHERE (old.live = 1 AND old.status = 'accepted' AND old.acceptance_expires IS NOT NULL) AND (SELECT current FROM assessments WHERE id = old.assessment_id) = 1
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER findings_count_update AFTER UPDATE OF assessment_id, live, status, residual_level, acceptance_expires ON findings
WHEN (old.live = 1 AND old.status = 'open' AND old.residual_level >= 3) OR (old.live = 1 AND old.status = 'accepted' AND old.acceptance_expires IS NOT NULL) OR (new.live = 1 AND new.status = 'open' AND new.residual_level >= 3) OR (new.live = 1 AND new.status = 'accepted' AND new.acceptance_expires IS NOT NULL) BEGIN
    UPDATE counters SET n = n + -1 WHERE name = 'risks.open_high' AND (old.live = 1 AND old.status = 'open' AND old.residual_level >= 3) AND (SELECT current FROM assessments WHERE id = old.assessment_id) = 1;
    INSERT INTO due_days (kind, day, n) SELECT 'acceptance', old.acceptance_expires, -1 WHERE (old.live = 1 AND old.status = 'accepted' AND old.acceptance_expires IS NOT NULL) AND (SELECT current FROM assessments WHERE id = old.assessment_id) = 1
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
    UPDATE counters SET n = n + 1 WHERE name = 'risks.open_high' AND (new.live = 1 AND new.status = 'open' AND new.residual_level >= 3) AND (SELECT current FROM assessments WHERE id = new.assessment_id) = 1;
    INSERT INTO due_days (kind, day, n) SELECT 'acceptance', new.acceptance_expires, 1 WHERE (new.live = 1 AND new.status = 'accepted' AND new.acceptance_expires IS NOT NULL) AND (SELECT current FROM assessments WHERE id = new.assessment_id) = 1
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER mitigations_count_insert AFTER INSERT ON mitigations WHEN (new.findings > 0 AND new.due IS NOT NULL AND new.status IN ('planned', 'in_progress')) BEGIN
    INSERT INTO due_days (kind, day, n) SELECT 'mitigation', new.due, 1 WHERE (new.findings > 0 AND new.due IS NOT NULL AND new.status IN ('planned', 'in_progress')) AND (SELECT current FROM assessments WHERE id = new.assessment_id) = 1
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER mitigations_count_delete AFTER DELETE ON mitigations WHEN (old.findings > 0 AND old.due IS NOT NULL AND old.status IN ('planned', 'in_progress')) BEGIN
    INSERT INTO due_days (kind, day, n) SELECT 'mitigation', old.due, -1 WHERE (old.findings > 0 AND old.due IS NOT NULL AND old.status IN ('planned', 'in_progress')) AND (SELECT current FROM assessments WHERE id = old.assessment_id) = 1
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER mitigations_count_update AFTER UPDATE OF assessment_id, due, status, findings ON mitigations
WHEN (old.findings > 0 AND old.due IS NOT NULL AND old.status IN ('planned', 'in_progress')) OR (new.findings > 0 AND new.due IS NOT NULL AND new.status IN ('planned', 'in_progress')) BEGIN
    INSERT INTO due_days (kind, day, n) SELECT 'mitigation', old.due, -1 WHERE (old.findings > 0 AND old.due IS NOT NULL AND old.status IN ('planned', 'in_progress')) AND (SELECT current FROM assessments WHERE id = old.assessment_id) = 1
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
    INSERT INTO due_days (kind, day, n) SELECT 'mitigation', new.due, 1 WHERE (new.findings > 0 AND new.due IS NOT NULL AND new.status IN ('planned', 'in_progress')) AND (SELECT current FROM assessments WHERE id = new.assessment_id) = 1
        ON CONFLICT (kind, day) DO UPDATE SET n = n + excluded.n;
END;

-- The administrator's "due soon" list reads each of its parts in date order and stops after a
-- page: re-assessments required, and approved cycles by review date.
CREATE INDEX assessments_current_required ON assessments (next_review_at)
    WHERE current = 1 AND status = 'approved' AND reassessment_reason <> '';
CREATE INDEX assessments_current_review ON assessments (next_review_at)
    WHERE current = 1 AND status = 'approved' AND next_review_at IS NOT NULL;
