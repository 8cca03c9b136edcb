-- 007_proctor_accounts: proctor accounts that sign in with a password, their scope per sitting,
-- and token revocations (Postgres is the record; Redis holds a mirror the gateways check at the handshake).

CREATE TABLE proctor_accounts (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  password_hash text NOT NULL, -- salted scrypt, like access codes
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz
);

-- What an account may watch in one sitting: the whole sitting (admin) or these districts and centers.
CREATE TABLE proctor_scopes (
  proctor_id text NOT NULL REFERENCES proctor_accounts (id),
  sitting_id text NOT NULL REFERENCES sittings (id),
  role       text NOT NULL CHECK (role IN ('proctor', 'admin')),
  districts  text[] NOT NULL DEFAULT '{}',
  centers    text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (proctor_id, sitting_id),
  CHECK (role = 'admin' OR cardinality(districts) + cardinality(centers) > 0)
);

-- One token (by jti), or every token of a subject issued at or before not_before_ms. Append-only:
-- it is the audit of who revoked what and why. expires_at: after it no token it covers can be valid.
CREATE TABLE token_revocations (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  actor         text NOT NULL,
  reason        text,
  jti           text,
  subject_kind  text CHECK (subject_kind IN ('candidate', 'proctor')),
  subject_id    text,
  sitting_id    text, -- a candidate's sitting; NULL for a proctor (all sittings)
  not_before_ms bigint,
  expires_at    timestamptz NOT NULL,
  CHECK ((jti IS NOT NULL AND subject_kind IS NULL) OR (jti IS NULL AND subject_kind IS NOT NULL AND subject_id IS NOT NULL AND not_before_ms IS NOT NULL)),
  CHECK (subject_kind IS DISTINCT FROM 'candidate' OR sitting_id IS NOT NULL)
);
CREATE INDEX token_revocations_jti_idx ON token_revocations (jti) WHERE jti IS NOT NULL;
CREATE INDEX token_revocations_subject_idx ON token_revocations (subject_kind, subject_id) WHERE subject_kind IS NOT NULL;
CREATE INDEX token_revocations_expires_idx ON token_revocations (expires_at);

CREATE TRIGGER token_revocations_append_only
  BEFORE UPDATE OR DELETE ON token_revocations
  FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();
