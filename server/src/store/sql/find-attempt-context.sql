-- find-attempt-context: everything a join needs to decide, in one round trip.
-- in:  $1 sitting_id text, $2 candidate_id text
-- out: zero rows when the sitting does not exist; otherwise one row with the sitting, enrolled (bool),
--      the candidate's accommodations, and the attempt's columns (NULL when there is no attempt yet)
SELECT s.id AS sitting_id, s.exam_id, s.exam_version, s.start_mode, s.started_at AS sitting_started_at,
       s.opens_at, s.closes_at, s.duration_s, s.grace_s,
       (sc.candidate_id IS NOT NULL) AS enrolled,
       coalesce(c.extra_time_s, 0) AS extra_time_s,
       coalesce(c.extra_time_multiplier, 1)::float8 AS extra_time_multiplier,
       a.id AS attempt_id, a.status, a.started_at, a.deadline_at,
       a.extension_s, a.paused_at, a.paused_ms, a.submitted_at
FROM sittings s
LEFT JOIN sitting_candidates sc ON sc.sitting_id = s.id AND sc.candidate_id = $2
LEFT JOIN candidates c ON c.id = sc.candidate_id
LEFT JOIN attempts a ON a.sitting_id = s.id AND a.candidate_id = $2
WHERE s.id = $1
