-- flush-answers: one batch of answers, written in one statement (so atomically).
-- Every distinct version goes to the append-only event log; the current answer per
-- (attempt, question) only moves forward: a replay or an older seq never overwrites a newer one.
-- in:  $1 attempt_id uuid[], $2 question_id text[], $3 seq bigint[], $4 value (JSON text) text[],
--      $5 received_at (epoch ms) bigint[], $6 gateway_id text[]   -- parallel arrays, one entry per version
-- Answers received after the attempt was submitted are dropped (the submit carried the final map).
-- The attempts are read FOR KEY SHARE: a finalisation (FOR UPDATE) and this flush then run one after
-- the other, and this statement sees the attempt's latest status — so an answer that lands after
-- its attempt was finalised is always rescored.
-- out: attempt_id of every attempt that is already final and whose stored answers changed
WITH incoming AS (
  SELECT t.attempt_id, t.question_id, t.seq, t.value::jsonb AS value,
         to_timestamp(t.received_ms / 1000.0) AS received_at, t.gateway_id, a.status AS attempt_status
  FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[])
       AS t (attempt_id, question_id, seq, value, received_ms, gateway_id)
  JOIN attempts a ON a.id = t.attempt_id
  WHERE a.submitted_at IS NULL OR to_timestamp(t.received_ms / 1000.0) <= a.submitted_at
  FOR KEY SHARE OF a
),
logged AS (
  INSERT INTO answer_events (attempt_id, question_id, seq, value, received_at, gateway_id)
  SELECT attempt_id, question_id, seq, value, received_at, gateway_id FROM incoming
  ON CONFLICT (attempt_id, question_id, seq) DO NOTHING
),
latest AS (
  SELECT DISTINCT ON (attempt_id, question_id) *
  FROM incoming
  ORDER BY attempt_id, question_id, seq DESC
),
upserted AS (
  INSERT INTO answers AS stored (attempt_id, question_id, seq, value, received_at, gateway_id)
  SELECT attempt_id, question_id, seq, value, received_at, gateway_id FROM latest
  ON CONFLICT (attempt_id, question_id) DO UPDATE
    SET seq = excluded.seq, value = excluded.value, received_at = excluded.received_at,
        gateway_id = excluded.gateway_id, committed_at = now()
    WHERE stored.seq < excluded.seq
  RETURNING attempt_id
)
-- the attempts already final whose answers just changed: their score must be recomputed
SELECT DISTINCT u.attempt_id
FROM upserted u JOIN incoming i ON i.attempt_id = u.attempt_id
WHERE i.attempt_status IN ('submitted', 'auto_submitted', 'terminated')
