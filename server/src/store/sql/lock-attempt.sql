-- lock-attempt: an attempt's state and deadline parts, locked for the rest of the transaction.
-- in:  $1 attempt_id uuid
-- out: zero or one row
SELECT a.id AS attempt_id, a.status, a.sitting_id, a.candidate_id, a.started_at, a.deadline_at,
       a.extension_s, a.paused_at, a.paused_ms, a.submitted_at, a.locked_at,
       s.exam_id, s.exam_version, s.closes_at, s.duration_s, s.grace_s,
       c.extra_time_s, c.extra_time_multiplier::float8 AS extra_time_multiplier
FROM attempts a
JOIN sittings s ON s.id = a.sitting_id
JOIN candidates c ON c.id = a.candidate_id
WHERE a.id = $1
FOR UPDATE OF a
