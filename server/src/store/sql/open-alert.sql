-- open-alert: opens an alert, or counts a repeat of one already open (one open alert per attempt and kind).
-- in:  $1 attempt_id uuid, $2 sitting_id text, $3 kind text, $4 detail text (nullable)
-- out: id
INSERT INTO alerts (attempt_id, sitting_id, kind, detail)
VALUES ($1, $2, $3, $4)
ON CONFLICT (attempt_id, kind) WHERE closed_at IS NULL
DO UPDATE SET count = alerts.count + 1, last_at = now(), detail = coalesce(excluded.detail, alerts.detail)
RETURNING id
