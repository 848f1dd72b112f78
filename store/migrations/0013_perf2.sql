-- Organisation scale, part 2: the dashboard reads its "gravest first" and "oldest first" lists
-- in index order and stops after a page, instead of sorting every matching row.

-- Open significant and maximum risks, gravest first (scanned backwards).
CREATE INDEX findings_open_grave ON findings (residual_level, assessment_id, finding_id)
    WHERE live = 1 AND status = 'open' AND residual_level >= 3;

-- Linked mitigations not done, by due date.
CREATE INDEX mitigations_overdue ON mitigations (due, assessment_id)
    WHERE findings > 0 AND due IS NOT NULL AND status IN ('planned', 'in_progress');

-- Re-assessments due or required: a covering index, so the dashboard's due list does not read
-- every approved assessment's row (its state spills into overflow pages before the columns
-- the list needs).
CREATE INDEX assessments_review_due ON assessments (status, next_review_at, reassessment_reason, project_id, cycle);

-- Risk acceptances expiring.
CREATE INDEX findings_acceptance_expires ON findings (acceptance_expires, assessment_id)
    WHERE status = 'accepted' AND live = 1 AND acceptance_expires IS NOT NULL;
