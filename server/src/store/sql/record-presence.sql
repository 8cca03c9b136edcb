-- record-presence: a gateway's batch of connects and disconnects.
-- in:  events (parallel arrays, all go to the append-only presence_events):
--        $1 attempt_id uuid[], $2 session_id text[], $3 kind text[] ('connect' | 'disconnect'), $4 at (epoch ms) bigint[], $5 ip text[]
--      latest state per attempt in this batch (parallel arrays, one entry per attempt):
--        $6 attempt_id uuid[], $7 session_id text[], $8 online (as text) text[], $9 at (epoch ms) bigint[], $10 ip text[], $11 user_agent text[]
--      $12 gateway_id text
-- A newer connect (any session) takes the row over; a disconnect counts only for the session that
-- holds it (a replaced device leaving does not make the candidate offline).
-- out: nothing
-- plan: each run (see queries.ts)
WITH logged AS (
  INSERT INTO presence_events (attempt_id, session_id, kind, at, ip, gateway_id)
  SELECT t.attempt_id, t.session_id, t.kind, to_timestamp(t.at_ms / 1000.0), t.ip, $12
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS t (attempt_id, session_id, kind, at_ms, ip)
)
INSERT INTO presence AS p (attempt_id, session_id, online, changed_at, ip, user_agent, gateway_id)
SELECT s.attempt_id, s.session_id, s.online, to_timestamp(s.at_ms / 1000.0), s.ip, s.user_agent, $12
FROM unnest($6::uuid[], $7::text[], $8::text[]::bool[], $9::bigint[], $10::text[], $11::text[]) AS s (attempt_id, session_id, online, at_ms, ip, user_agent)
ON CONFLICT (attempt_id) DO UPDATE
  SET session_id = excluded.session_id, online = excluded.online, changed_at = excluded.changed_at,
      ip = coalesce(excluded.ip, p.ip), user_agent = coalesce(excluded.user_agent, p.user_agent), gateway_id = excluded.gateway_id
  WHERE (excluded.online AND excluded.changed_at >= p.changed_at)
     OR (NOT excluded.online AND p.session_id = excluded.session_id)
