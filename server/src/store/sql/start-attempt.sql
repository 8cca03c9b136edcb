-- start-attempt: creates the attempt on its first join: in the lobby (no clock yet), or in progress
-- with its clock started at $5 (the gateway's now, or the sitting's start signal). During an incident
-- pause of the sitting it starts paused (the resume of the sitting resumes it with the others).
-- in:  $1 sitting_id text, $2 candidate_id text, $3 actor text (for the audit log),
--      $4 status text ('lobby' | 'in_progress'), $5 started_at timestamptz (NULL in the lobby)
-- out: the new attempt's columns as find-attempt-context.sql names them (attempt_id, status, started_at,
--      deadline_at, extension_s, paused_at, paused_ms, submitted_at, locked_at), so the join needs no
--      re-read; zero rows when another join created it first (then re-read the context)
WITH created AS (
  INSERT INTO attempts (sitting_id, candidate_id, status, started_at, paused_at, deadline_at, last_joined_at)
  SELECT s.id, c.id, $4, $5,
         CASE WHEN $5::timestamptz IS NOT NULL AND s.paused_at IS NOT NULL THEN $5::timestamptz END,
         CASE WHEN $5::timestamptz IS NULL THEN NULL
              ELSE attempt_deadline($5, s.duration_s, s.closes_at, c.extra_time_s, c.extra_time_multiplier, 0, 0) END,
         now()
  FROM sittings s
  JOIN sitting_candidates sc ON sc.sitting_id = s.id AND sc.candidate_id = $2
  JOIN candidates c ON c.id = sc.candidate_id
  WHERE s.id = $1
  ON CONFLICT (sitting_id, candidate_id) DO NOTHING
  RETURNING id, status, started_at, deadline_at, extension_s, paused_at, paused_ms, submitted_at, locked_at
),
audited AS (
  INSERT INTO audit_log (actor, action, attempt_id, details)
  SELECT $3, CASE WHEN status = 'lobby' THEN 'attempt.lobby' ELSE 'attempt.started' END, id,
         jsonb_build_object('deadline_at', deadline_at)
  FROM created
  RETURNING attempt_id
)
-- joined with audited: a row comes back only with its audit entry written (the same statement either way)
SELECT c.id AS attempt_id, c.status, c.started_at, c.deadline_at, c.extension_s, c.paused_at, c.paused_ms, c.submitted_at, c.locked_at
FROM created c JOIN audited ON audited.attempt_id = c.id
