-- start-sitting: moves every lobby attempt of a started sitting into progress at the sitting's start
-- time, each with its own deadline (accommodations differ), audited. Safe to run again: it only
-- touches attempts still in the lobby.
-- in:  $1 sitting_id text, $2 actor text
-- out: attempt_id, deadline_at for every attempt started now
WITH started AS (
  UPDATE attempts a
  SET status = 'in_progress', started_at = s.started_at,
      deadline_at = attempt_deadline(s.started_at, s.duration_s, s.closes_at, c.extra_time_s, c.extra_time_multiplier, a.extension_s, a.paused_ms)
  FROM sittings s, candidates c
  WHERE s.id = $1 AND s.started_at IS NOT NULL AND a.sitting_id = s.id AND a.status = 'lobby' AND c.id = a.candidate_id
  RETURNING a.id, a.deadline_at
),
audited AS (
  INSERT INTO audit_log (actor, action, attempt_id, details)
  SELECT $2, 'attempt.started', id, jsonb_build_object('deadline_at', deadline_at, 'by', 'start signal') FROM started
)
SELECT id AS attempt_id, deadline_at FROM started
