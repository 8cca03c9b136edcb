-- finalize-attempt: the attempt's final status and score (status moves only from lobby/in_progress).
-- in:  $1 attempt_id uuid, $2 status text ('submitted' | 'auto_submitted' | 'terminated'), $3 actor text,
--      $4 score numeric, $5 max_score numeric, $6 scoring_status text, $7 submitted_at timestamptz
-- out: submitted_at, or zero rows when the attempt was already final
UPDATE attempts
SET status = $2, submitted_at = $7, finalized_by = $3, score = $4, max_score = $5, scoring_status = $6
WHERE id = $1 AND status IN ('lobby', 'in_progress')
RETURNING submitted_at
