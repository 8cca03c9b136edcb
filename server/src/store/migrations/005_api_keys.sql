-- 005_api_keys: the exam office's HTTP API authenticates with API keys. A key is
-- "ehk_<id>.<secret>"; only a SHA-256 of the secret is stored (the secret is 32 random bytes, so a
-- fast hash is enough; access codes are short and get scrypt instead).
CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  secret_hash text NOT NULL,
  role        text NOT NULL DEFAULT 'admin' CHECK (role IN ('admin')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
