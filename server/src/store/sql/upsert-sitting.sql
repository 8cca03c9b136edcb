-- upsert-sitting: in: $1 id, $2 exam_id, $3 exam_version, $4 title, $5 opens_at timestamptz,
--                 $6 closes_at timestamptz, $7 duration_s integer, $8 grace_s integer,
--                 $9 start_mode text ('on_join' | 'signal')
INSERT INTO sittings (id, exam_id, exam_version, title, opens_at, closes_at, duration_s, grace_s, start_mode)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET exam_id = excluded.exam_id, exam_version = excluded.exam_version,
  title = excluded.title, opens_at = excluded.opens_at, closes_at = excluded.closes_at,
  duration_s = excluded.duration_s, grace_s = excluded.grace_s, start_mode = excluded.start_mode
