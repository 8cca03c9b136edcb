-- upsert-candidates: in: $1 id text[], $2 center_id text[], $3 name text[], $4 extra_time_s integer[]
INSERT INTO candidates (id, center_id, name, extra_time_s)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[])
ON CONFLICT (id) DO UPDATE SET center_id = excluded.center_id, name = excluded.name, extra_time_s = excluded.extra_time_s
