-- lock-attempts: lock-attempt for many attempts at once (a proctor's bulk action), locked in id order so
-- that two bulk actions never deadlock. FOR NO KEY UPDATE: answer flushes (FOR KEY SHARE) are not held up.
-- in:  $1 attempt_id uuid[]
-- out: one row per existing attempt, with the columns of lock-attempt
SELECT a.id AS attempt_id, a.status, a.sitting_id, a.candidate_id, a.started_at, a.deadline_at,
       a.extension_s, a.paused_at, a.paused_ms, a.submitted_at, a.locked_at,
       s.exam_id, s.exam_version, s.closes_at, s.duration_s, s.grace_s,
       c.extra_time_s, c.extra_time_multiplier::float8 AS extra_time_multiplier
FROM attempts a
JOIN sittings s ON s.id = a.sitting_id
JOIN candidates c ON c.id = a.candidate_id
WHERE a.id = ANY($1::uuid[])
ORDER BY a.id
FOR NO KEY UPDATE OF a
