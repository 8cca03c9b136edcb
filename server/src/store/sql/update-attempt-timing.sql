-- update-attempt-timing: new extension / pause state; deadline_at is re-derived by attempt_deadline().
-- in:  $1 attempt_id uuid, $2 extension_s integer, $3 paused_at timestamptz (NULL = running), $4 paused_ms bigint
-- out: deadline_at
UPDATE attempts a
SET extension_s = $2, paused_at = $3, paused_ms = $4,
    deadline_at = attempt_deadline(a.started_at, s.duration_s, s.closes_at, c.extra_time_s, c.extra_time_multiplier, $2, $4)
FROM sittings s, candidates c
WHERE a.id = $1 AND s.id = a.sitting_id AND c.id = a.candidate_id
RETURNING a.deadline_at
