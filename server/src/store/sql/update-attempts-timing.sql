-- update-attempts-timing: update-attempt-timing for many attempts in one statement (a proctor's bulk
-- extension, pause or resumption), each change audited. deadline_at is re-derived by attempt_deadline().
-- in:  parallel arrays, one entry per attempt:
--        $1 attempt_id uuid[], $2 extension_s integer[], $3 paused_at text[] (ISO timestamp; NULL = running),
--        $4 paused_ms bigint[], $5 audit details (JSON text) text[]
--      $6 actor text, $7 audit action text (e.g. 'attempt.paused')
-- out: attempt_id, deadline_at
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::integer[], $3::text[], $4::bigint[], $5::text[])
    AS t (attempt_id, extension_s, paused_at, paused_ms, details)
),
updated AS (
  UPDATE attempts a
  SET extension_s = t.extension_s, paused_at = t.paused_at::timestamptz, paused_ms = t.paused_ms,
      deadline_at = attempt_deadline(a.started_at, s.duration_s, s.closes_at, c.extra_time_s, c.extra_time_multiplier, t.extension_s, t.paused_ms)
  FROM input t, sittings s, candidates c
  WHERE a.id = t.attempt_id AND s.id = a.sitting_id AND c.id = a.candidate_id
  RETURNING a.id, a.sitting_id, a.deadline_at, t.details
),
audited AS (
  INSERT INTO audit_log (actor, action, attempt_id, sitting_id, details)
  SELECT $6, $7, id, sitting_id, details::jsonb FROM updated
)
SELECT id AS attempt_id, deadline_at FROM updated
