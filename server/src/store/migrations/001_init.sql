-- 001_init: the exam delivery core.
-- Exam content and answer keys live in separate tables so that no query that builds a paper can touch a key.

CREATE TABLE districts (
  id   text PRIMARY KEY,
  name text NOT NULL
);

CREATE TABLE centers (
  id          text PRIMARY KEY,
  district_id text NOT NULL REFERENCES districts (id),
  name        text NOT NULL
);
CREATE INDEX centers_district_idx ON centers (district_id);

-- Versioned content: a new version is a new row; a sitting pins one version.
CREATE TABLE exams (
  id         text NOT NULL,
  version    integer NOT NULL CHECK (version > 0),
  title      text NOT NULL,
  content    jsonb NOT NULL, -- { questions: PaperQuestion[] } in authoring order, without keys
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);

CREATE TABLE exam_keys (
  exam_id      text NOT NULL,
  exam_version integer NOT NULL,
  question_id  text NOT NULL,
  key          jsonb NOT NULL, -- AnswerKey from shared/
  PRIMARY KEY (exam_id, exam_version, question_id),
  FOREIGN KEY (exam_id, exam_version) REFERENCES exams (id, version)
);

CREATE TABLE sittings (
  id           text PRIMARY KEY,
  exam_id      text NOT NULL,
  exam_version integer NOT NULL,
  title        text NOT NULL,
  opens_at     timestamptz NOT NULL,
  closes_at    timestamptz NOT NULL,
  duration_s   integer NOT NULL CHECK (duration_s > 0),
  grace_s      integer NOT NULL DEFAULT 0 CHECK (grace_s >= 0),
  FOREIGN KEY (exam_id, exam_version) REFERENCES exams (id, version),
  CHECK (closes_at > opens_at)
);

CREATE TABLE candidates (
  id           text PRIMARY KEY,
  center_id    text NOT NULL REFERENCES centers (id),
  name         text NOT NULL,
  extra_time_s integer NOT NULL DEFAULT 0 CHECK (extra_time_s >= 0)
);
CREATE INDEX candidates_center_idx ON candidates (center_id);

CREATE TABLE sitting_candidates (
  sitting_id   text NOT NULL REFERENCES sittings (id),
  candidate_id text NOT NULL REFERENCES candidates (id),
  PRIMARY KEY (sitting_id, candidate_id)
);

CREATE TABLE attempts (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sitting_id     text NOT NULL,
  candidate_id   text NOT NULL,
  status         text NOT NULL CHECK (status IN ('not_started', 'lobby', 'in_progress', 'submitted', 'auto_submitted', 'locked')),
  started_at     timestamptz,
  deadline_at    timestamptz,
  submitted_at   timestamptz,
  last_joined_at timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sitting_id, candidate_id),
  FOREIGN KEY (sitting_id, candidate_id) REFERENCES sitting_candidates (sitting_id, candidate_id)
);

-- The current answer per (attempt, question): always the highest seq ever received.
CREATE TABLE answers (
  attempt_id   uuid NOT NULL REFERENCES attempts (id),
  question_id  text NOT NULL,
  seq          bigint NOT NULL CHECK (seq > 0),
  value        jsonb,          -- AnswerValue from shared/; JSON null = cleared
  received_at  timestamptz NOT NULL, -- when a gateway accepted it: the time that counts for deadlines
  gateway_id   text NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (attempt_id, question_id)
);

-- Every distinct answer version ever committed; append-only (see trigger below).
CREATE TABLE answer_events (
  id           bigserial PRIMARY KEY,
  attempt_id   uuid NOT NULL REFERENCES attempts (id),
  question_id  text NOT NULL,
  seq          bigint NOT NULL,
  value        jsonb,
  received_at  timestamptz NOT NULL,
  gateway_id   text NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (attempt_id, question_id, seq)
);

CREATE FUNCTION refuse_change_to_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER answer_events_append_only
  BEFORE UPDATE OR DELETE ON answer_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();

-- Who did what to an attempt, and when (start, submit, and later proctor actions).
CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text NOT NULL,
  action     text NOT NULL,
  attempt_id uuid REFERENCES attempts (id),
  details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_attempt_idx ON audit_log (attempt_id);

CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();
