-- upsert-centers: in: $1 id text[], $2 district_id text[], $3 name text[]
INSERT INTO centers (id, district_id, name)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
ON CONFLICT (id) DO UPDATE SET district_id = excluded.district_id, name = excluded.name
