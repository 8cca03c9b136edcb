-- sweep-alerts: opens 'disconnected' alerts (offline longer than $1 s) and 'idle' alerts (no answer
-- committed for $2 s, or none since the start) for attempts in progress, each at most once while
-- open; closes idle alerts whose attempt has saved since (done here rather than per committed
-- batch, which would cost a statement per batch on the answer path).
-- One sweeper at a time: the statement's transaction-scoped advisory lock makes a second worker's
-- sweep a no-op instead of the same work twice.
-- Every per-attempt check is a scalar subquery, which Postgres never turns into a join. As NOT EXISTS,
-- stale statistics right after a 40,000-candidate stampede (autovacuum had not analyzed yet) gave a
-- nested loop that compared every attempt with every open alert. A subquery is an index probe only if
-- the plan was made with the tables' real size: a cached plan from when alerts and answers were empty
-- scans them whole for every attempt, which is why this statement is planned at every run and the
-- worker runs it under a statement timeout.
-- At most 2,000 alerts open or close per kind and sweep: an insert into alerts takes a KEY SHARE lock
-- on its attempt (the foreign key) until the statement ends, and a submit waits for it (FOR UPDATE).
-- 40,000 idle alerts in one statement (every candidate of a sitting 10 minutes without a save) held
-- submits up for over a minute; in batches they open over a few sweeps instead.
-- in:  $1 disconnected_s integer, $2 idle_s integer
-- out: attempt_id, kind and opened (false: closed) of each alert that changed
-- plan: each run (see queries.ts)
WITH sweeper AS (
  SELECT pg_try_advisory_xact_lock(hashtext('examhall:sweep-alerts')) AS go
),
disconnected AS (
  INSERT INTO alerts (attempt_id, sitting_id, kind, detail)
  SELECT p.attempt_id, a.sitting_id, 'disconnected', 'offline since ' || to_char(p.changed_at AT TIME ZONE 'UTC', 'HH24:MI:SS') || ' UTC'
  FROM presence p
  JOIN attempts a ON a.id = p.attempt_id
  WHERE (SELECT go FROM sweeper)
    AND NOT p.online AND p.changed_at < now() - make_interval(secs => $1) AND a.status = 'in_progress'
    -- without an open one already, so that the limit takes new ones, not the same ones every sweep
    AND (SELECT o.id FROM alerts o WHERE o.attempt_id = p.attempt_id AND o.kind = 'disconnected' AND o.closed_at IS NULL) IS NULL
  LIMIT 2000
  ON CONFLICT (attempt_id, kind) WHERE closed_at IS NULL DO NOTHING
  RETURNING attempt_id
),
idle AS (
  INSERT INTO alerts (attempt_id, sitting_id, kind, detail)
  SELECT a.id, a.sitting_id, 'idle', 'no answer saved for ' || round($2 / 60.0) || ' min'
  FROM attempts a
  WHERE (SELECT go FROM sweeper)
    AND a.status = 'in_progress' AND a.paused_at IS NULL AND a.locked_at IS NULL
    AND a.started_at < now() - make_interval(secs => $2)
    AND (SELECT o.id FROM alerts o WHERE o.attempt_id = a.id AND o.kind = 'idle' AND o.closed_at IS NULL) IS NULL
    AND coalesce((SELECT max(x.committed_at) FROM answers x WHERE x.attempt_id = a.id), '-infinity') <= now() - make_interval(secs => $2)
  LIMIT 2000
  ON CONFLICT (attempt_id, kind) WHERE closed_at IS NULL DO NOTHING
  RETURNING attempt_id
),
active_again AS (
  -- ARRAY(...) runs once, then primary-key probes: as `IN (SELECT ... LIMIT)` a plan made while
  -- alerts was empty re-ran the subquery for every alert, 8 million answer lookups in one sweep
  UPDATE alerts o SET closed_at = now(), closed_by = 'system'
  WHERE o.id = ANY (ARRAY(
    SELECT s.id FROM alerts s
    WHERE (SELECT go FROM sweeper)
      AND s.kind = 'idle' AND s.closed_at IS NULL
      AND (SELECT max(x.committed_at) FROM answers x WHERE x.attempt_id = s.attempt_id) > s.last_at
    LIMIT 2000
  ))
  RETURNING o.attempt_id
)
SELECT attempt_id, 'disconnected' AS kind, true AS opened FROM disconnected
UNION ALL
SELECT attempt_id, 'idle' AS kind, true AS opened FROM idle
UNION ALL
SELECT attempt_id, 'idle' AS kind, false AS opened FROM active_again
