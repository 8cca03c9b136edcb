-- token-revoked: is this token revoked? The gateway's fallback at the handshake while Redis cannot answer.
-- in:  $1 jti text (NULL for a token without one), $2 subject_kind text ('candidate' | 'proctor'),
--      $3 subject_id text, $4 sitting_id text, $5 issued_at_ms bigint
-- out: one row { revoked boolean }
SELECT EXISTS (
  SELECT 1 FROM token_revocations
  WHERE expires_at > now()
    AND (jti = $1
         OR (subject_kind = $2 AND subject_id = $3 AND (sitting_id IS NULL OR sitting_id = $4) AND not_before_ms >= $5::bigint))
) AS revoked
