-- close-dead-gateway-presence: candidates still marked online on gateways that died go offline at the
-- gateway's last heartbeat, with a disconnect in presence_events (for outage compensation).
-- in:  $1 gateway_id text[], $2 last heartbeat (epoch ms) bigint[]   -- parallel arrays
-- out: attempt_id, changed_at of each presence closed
-- plan: each run (see queries.ts)
WITH dead AS (
  SELECT * FROM unnest($1::text[], $2::bigint[]) AS d (gateway_id, at_ms)
),
closed AS (
  UPDATE presence p SET online = false, changed_at = greatest(p.changed_at, to_timestamp(d.at_ms / 1000.0))
  FROM dead d
  WHERE p.online AND p.gateway_id = d.gateway_id
  RETURNING p.attempt_id, p.session_id, p.gateway_id, p.changed_at
),
logged AS (
  INSERT INTO presence_events (attempt_id, session_id, kind, at, ip, gateway_id)
  SELECT attempt_id, session_id, 'disconnect', changed_at, NULL, gateway_id FROM closed
)
SELECT attempt_id, changed_at FROM closed
