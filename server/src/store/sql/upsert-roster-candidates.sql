-- upsert-roster-candidates: a roster batch's candidates, with batch and slot.
-- in: $1 id text[], $2 center_id text[], $3 name text[], $4 extra_time_s integer[],
--     $5 batch text[] (null = none), $6 slot text[] (null = none),
--     $7 boolean: the file has a batch column, $8 boolean: the file has a slot column
--     (a file without the column leaves stored values as they are, so an older roster re-imports safely)
-- out: nothing
INSERT INTO candidates (id, center_id, name, extra_time_s, batch, slot)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[])
ON CONFLICT (id) DO UPDATE SET center_id = excluded.center_id, name = excluded.name, extra_time_s = excluded.extra_time_s,
  batch = CASE WHEN $7::boolean THEN excluded.batch ELSE candidates.batch END,
  slot = CASE WHEN $8::boolean THEN excluded.slot ELSE candidates.slot END
