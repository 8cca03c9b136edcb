-- rescore-attempt: a final attempt's score after late-committed answers (received in time, written later).
-- in:  $1 attempt_id uuid, $2 score numeric, $3 max_score numeric, $4 scoring_status text
UPDATE attempts SET score = $2, max_score = $3, scoring_status = $4 WHERE id = $1
