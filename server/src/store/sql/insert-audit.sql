-- insert-audit: in: $1 actor text, $2 action text, $3 attempt_id uuid (nullable), $4 details (JSON text) text
INSERT INTO audit_log (actor, action, attempt_id, details) VALUES ($1, $2, $3, $4::text::jsonb)
