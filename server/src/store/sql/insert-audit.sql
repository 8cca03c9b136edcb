-- insert-audit: in: $1 actor text, $2 action text, $3 attempt_id uuid (nullable), $4 details (JSON text) text,
--               $5 sitting_id text (nullable; set it whenever the sitting is known, and always for sitting-wide actions)
INSERT INTO audit_log (actor, action, attempt_id, details, sitting_id) VALUES ($1, $2, $3, $4::text::jsonb, $5)
