-- 008_results: hand grading of essays. A graded question score remembers who graded it, when and
-- why, so a later automatic rescore (answers committed after finalisation) never overwrites it.
ALTER TABLE question_scores
  ADD COLUMN graded_by     text,
  ADD COLUMN graded_at     timestamptz,
  ADD COLUMN grade_comment text;

-- The grading queue: essays still waiting for a person, by question.
CREATE INDEX question_scores_pending_idx ON question_scores (question_id, attempt_id) WHERE status = 'pending_manual';
