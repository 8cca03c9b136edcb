-- 003_proctoring: what proctors watch (presence, activity, alerts) and what they may do (lock,
-- terminate, messages), with every action in the audit log.

-- A proctor ends an attempt early with `terminated` (final, scored like a submit). The old `locked`
-- status was never set by any code path; a reversible lock is now a flag (locked_at) instead.
ALTER TABLE attempts DROP CONSTRAINT attempts_status_check;
UPDATE attempts SET status = 'terminated' WHERE status = 'locked';
ALTER TABLE attempts ADD CONSTRAINT attempts_status_check
  CHECK (status IN ('not_started', 'lobby', 'in_progress', 'submitted', 'auto_submitted', 'terminated'));
-- A proctor's hold: no answers or submit while set; the clock keeps running.
ALTER TABLE attempts ADD COLUMN locked_at timestamptz;

-- The latest connection state and activity of each attempt, as gateways saw it (one row per attempt).
CREATE TABLE presence (
  attempt_id       uuid PRIMARY KEY REFERENCES attempts (id),
  session_id       text NOT NULL,
  online           boolean NOT NULL,
  changed_at       timestamptz NOT NULL,
  ip               text,
  user_agent       text,
  gateway_id       text NOT NULL,
  current_question text,
  activity_at      timestamptz
);

-- Every connect and disconnect, for outage compensation (append-only).
CREATE TABLE presence_events (
  id         bigserial PRIMARY KEY,
  attempt_id uuid NOT NULL REFERENCES attempts (id),
  session_id text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('connect', 'disconnect')),
  at         timestamptz NOT NULL,
  ip         text,
  gateway_id text NOT NULL
);
CREATE INDEX presence_events_attempt_idx ON presence_events (attempt_id, at);
CREATE TRIGGER presence_events_append_only
  BEFORE UPDATE OR DELETE ON presence_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();

-- Alerts for proctors. At most one open alert per (attempt, kind): a repeat bumps count and last_at.
CREATE TABLE alerts (
  id         bigserial PRIMARY KEY,
  attempt_id uuid NOT NULL REFERENCES attempts (id),
  sitting_id text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('disconnected', 'idle', 'focus_lost', 'fullscreen_exit', 'second_device', 'ip_change')),
  opened_at  timestamptz NOT NULL DEFAULT now(),
  last_at    timestamptz NOT NULL DEFAULT now(),
  count      integer NOT NULL DEFAULT 1,
  detail     text,
  closed_at  timestamptz,
  closed_by  text
);
CREATE UNIQUE INDEX alerts_one_open_idx ON alerts (attempt_id, kind) WHERE closed_at IS NULL;
CREATE INDEX alerts_open_by_sitting_idx ON alerts (sitting_id) WHERE closed_at IS NULL;

-- An incident pause of a whole sitting: while set, attempts that start are paused from their start.
ALTER TABLE sittings ADD COLUMN paused_at timestamptz;

-- Sitting-wide actions (incident pause, messages to a center) have no single attempt.
ALTER TABLE audit_log ADD COLUMN sitting_id text;
CREATE INDEX audit_log_sitting_idx ON audit_log (sitting_id, at);
