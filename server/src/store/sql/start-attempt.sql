-- start-attempt: creates the attempt on first join; the deadline is fixed by the server clock.
-- deadline = min(window close, now + duration + the candidate's extra time)
-- in:  $1 sitting_id text, $2 candidate_id text, $3 actor text (gateway id, for the audit log)
-- out: the new attempt's id, or zero rows when another join created it first (then re-read the context)
WITH started AS (
  INSERT INTO attempts (sitting_id, candidate_id, status, started_at, deadline_at, last_joined_at)
  SELECT s.id, c.id, 'in_progress', now(),
         least(s.closes_at, now() + make_interval(secs => s.duration_s + c.extra_time_s)), now()
  FROM sittings s
  JOIN sitting_candidates sc ON sc.sitting_id = s.id AND sc.candidate_id = $2
  JOIN candidates c ON c.id = sc.candidate_id
  WHERE s.id = $1
  ON CONFLICT (sitting_id, candidate_id) DO NOTHING
  RETURNING id, deadline_at
)
INSERT INTO audit_log (actor, action, attempt_id, details)
SELECT $3, 'attempt.started', id, jsonb_build_object('deadline_at', deadline_at) FROM started
RETURNING attempt_id
