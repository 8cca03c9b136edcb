-- promote-lobby-attempt: a lobby attempt created while (or just after) its sitting received the start
-- signal starts with the sitting's start time, like every other.
-- in:  $1 attempt_id uuid, $2 actor text
-- out: deadline_at when promoted; zero rows when the sitting has not started or the attempt is not in the lobby
WITH promoted AS (
  UPDATE attempts a
  SET status = 'in_progress', started_at = s.started_at,
      deadline_at = attempt_deadline(s.started_at, s.duration_s, s.closes_at, c.extra_time_s, c.extra_time_multiplier, a.extension_s, a.paused_ms)
  FROM sittings s, candidates c
  WHERE a.id = $1 AND a.status = 'lobby' AND s.id = a.sitting_id AND s.started_at IS NOT NULL AND c.id = a.candidate_id
  RETURNING a.id, a.deadline_at
)
INSERT INTO audit_log (actor, action, attempt_id, details)
SELECT $2, 'attempt.started', id, jsonb_build_object('deadline_at', deadline_at, 'by', 'late promotion') FROM promoted
RETURNING attempt_id
