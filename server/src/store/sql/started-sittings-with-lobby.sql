-- started-sittings-with-lobby: sittings that got their start signal but still have lobby attempts
-- (the signal's process died between its steps); the workers' sweep finishes the job.
-- out: sitting_id, grace_s
-- plan: each run (see queries.ts)
SELECT DISTINCT s.id AS sitting_id, s.grace_s
FROM sittings s JOIN attempts a ON a.sitting_id = s.id
WHERE s.started_at IS NOT NULL AND a.status = 'lobby'
