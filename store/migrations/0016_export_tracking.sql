-- What an export of an approved revision contained beside the approved content: the mitigation
-- tracking up to this record of the assessment's chain (0: none).
ALTER TABLE exports ADD COLUMN tracking_seq INTEGER NOT NULL DEFAULT 0;
