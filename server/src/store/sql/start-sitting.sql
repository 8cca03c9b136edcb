-- start-sitting: the start signal. Stamps the sitting and moves every lobby attempt into progress at once,
-- each with its own deadline (accommodations differ). Only the first signal counts.
-- in:  $1 sitting_id text, $2 started_at timestamptz, $3 actor text
-- out: attempt_id, deadline_at for every attempt started (zero rows when already started)
WITH sitting AS (
  UPDATE sittings SET started_at = $2 WHERE id = $1 AND started_at IS NULL AND start_mode = 'signal'
  RETURNING id, duration_s, closes_at
),
started AS (
  UPDATE attempts a
  SET status = 'in_progress', started_at = $2,
      deadline_at = attempt_deadline($2, s.duration_s, s.closes_at, c.extra_time_s, c.extra_time_multiplier, a.extension_s, a.paused_ms)
  FROM sitting s, candidates c
  WHERE a.sitting_id = s.id AND a.status = 'lobby' AND c.id = a.candidate_id
  RETURNING a.id, a.deadline_at
),
audited AS (
  INSERT INTO audit_log (actor, action, attempt_id, details)
  SELECT $3, 'attempt.started', id, jsonb_build_object('deadline_at', deadline_at, 'by', 'start signal') FROM started
)
SELECT id AS attempt_id, deadline_at FROM started
