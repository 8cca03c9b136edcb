-- presence-events: the connects and disconnects of these attempts up to a time, in the order they happened
-- (for outage compensation; events before the interval are needed to know the state at its start).
-- in:  $1 attempt_id uuid[], $2 until timestamptz
-- out: attempt_id, session_id, kind ('connect' | 'disconnect'), at
-- plan: each run (see queries.ts)
SELECT attempt_id, session_id, kind, at
FROM presence_events
WHERE attempt_id = ANY($1::uuid[]) AND at <= $2
ORDER BY attempt_id, at, id
