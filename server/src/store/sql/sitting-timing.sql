-- sitting-timing: in: $1 sitting_id text   out: started_at, start_mode, grace_s (zero rows: no such sitting)
SELECT started_at, start_mode, grace_s FROM sittings WHERE id = $1
