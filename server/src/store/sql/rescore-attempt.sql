-- rescore-attempt: a final attempt's score after late-committed answers (received in time, written
-- later) or a hand grade: the sum of its stored question scores (run after they are written, so hand
-- grades count), pending_manual while any question still waits for a person.
-- in:  $1 attempt_id uuid
-- out: score, max_score (float8), scoring_status
UPDATE attempts a
SET score = t.score, max_score = t.max_score,
    scoring_status = CASE WHEN t.pending > 0 THEN 'pending_manual' ELSE 'scored' END
FROM (
  SELECT coalesce(sum(points), 0) AS score, coalesce(sum(max_points), 0) AS max_score,
         count(*) FILTER (WHERE status = 'pending_manual') AS pending
  FROM question_scores WHERE attempt_id = $1
) t
WHERE a.id = $1
RETURNING a.score::float8 AS score, a.max_score::float8 AS max_score, a.scoring_status
