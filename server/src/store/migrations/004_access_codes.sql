-- 004_access_codes: per-candidate access codes for signing in without a pre-issued token.
-- Only a salted scrypt hash is stored; the code itself is printed once when it is issued.
CREATE TABLE access_codes (
  sitting_id   text NOT NULL,
  candidate_id text NOT NULL,
  code_hash    text NOT NULL,
  issued_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sitting_id, candidate_id),
  FOREIGN KEY (sitting_id, candidate_id) REFERENCES sitting_candidates (sitting_id, candidate_id)
);
