-- set-sitting-paused: stamps (or clears) an incident pause of a whole sitting.
-- in:  $1 sitting_id text, $2 paused bool
-- out: nothing
UPDATE sittings SET paused_at = CASE WHEN $2 THEN coalesce(paused_at, now()) END WHERE id = $1
