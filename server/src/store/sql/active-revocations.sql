-- active-revocations: every revocation that can still matter, one row per token or subject (the
-- newest watermark of each), to rebuild the Redis mirror after Redis lost its data.
-- in:  none
-- out: jti text | NULL, subject_kind text | NULL, subject_id text | NULL, sitting_id text | NULL,
--      not_before_ms bigint | NULL, expires_in_ms bigint (> 0)
SELECT jti, subject_kind, subject_id, sitting_id,
       max(not_before_ms)::bigint AS not_before_ms,
       (extract(epoch FROM max(expires_at) - now()) * 1000)::bigint AS expires_in_ms
FROM token_revocations
WHERE expires_at > now()
GROUP BY jti, subject_kind, subject_id, sitting_id
