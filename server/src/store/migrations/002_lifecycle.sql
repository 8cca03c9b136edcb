-- 002_lifecycle: server-authoritative time and the attempt's life (lobby, start signal, extensions,
-- pauses, submit, auto-submit, scoring).

-- Accommodations: extra minutes and/or a multiplier of the sitting's duration (1.5 = +50%).
ALTER TABLE candidates
  ADD COLUMN extra_time_multiplier numeric(4, 2) NOT NULL DEFAULT 1 CHECK (extra_time_multiplier >= 1),
  ADD COLUMN batch text,
  ADD COLUMN slot text CHECK (slot IN ('morning', 'afternoon', 'evening'));

-- start_mode 'on_join': each attempt's clock starts at its first join (inside the window).
-- start_mode 'signal': candidates wait in the lobby until one start signal opens the sitting for all.
ALTER TABLE sittings
  ADD COLUMN start_mode text NOT NULL DEFAULT 'on_join' CHECK (start_mode IN ('on_join', 'signal')),
  ADD COLUMN started_at timestamptz,
  ADD COLUMN slot text CHECK (slot IN ('morning', 'afternoon', 'evening'));

-- The deadline's parts are stored; deadline_at is derived from them (server/src/exam/deadline.ts)
-- whenever one changes, and excludes a pause still running.
ALTER TABLE attempts
  ADD COLUMN extension_s integer NOT NULL DEFAULT 0 CHECK (extension_s >= 0),
  ADD COLUMN paused_at timestamptz,
  ADD COLUMN paused_ms bigint NOT NULL DEFAULT 0 CHECK (paused_ms >= 0),
  ADD COLUMN finalized_by text,
  ADD COLUMN score numeric,
  ADD COLUMN max_score numeric,
  ADD COLUMN scoring_status text CHECK (scoring_status IN ('scored', 'pending_manual'));

CREATE INDEX attempts_open_deadline_idx ON attempts (deadline_at) WHERE status = 'in_progress';

CREATE TABLE question_scores (
  attempt_id  uuid NOT NULL REFERENCES attempts (id),
  question_id text NOT NULL,
  points      numeric NOT NULL,
  max_points  numeric NOT NULL,
  status      text NOT NULL CHECK (status IN ('scored', 'pending_manual', 'unanswered')),
  scored_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (attempt_id, question_id)
);

-- The deadline rule, once for SQL (server/src/exam/deadline.ts mirrors it for the gateway's
-- in-memory checks; a test keeps the two equal):
--   min(window close, start + duration + extra seconds + (multiplier − 1) × duration + extensions) + paused time
CREATE FUNCTION attempt_deadline(
  started_at timestamptz, duration_s integer, closes_at timestamptz,
  extra_time_s integer, extra_time_multiplier numeric, extension_s integer, paused_ms bigint
) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
  SELECT least(
           closes_at,
           started_at + make_interval(secs => duration_s + extra_time_s + round((extra_time_multiplier - 1) * duration_s) + extension_s)
         ) + make_interval(secs => paused_ms / 1000.0)
$$;
