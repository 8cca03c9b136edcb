-- upsert-districts: in: $1 id text[], $2 name text[]
INSERT INTO districts (id, name)
SELECT * FROM unnest($1::text[], $2::text[])
ON CONFLICT (id) DO UPDATE SET name = excluded.name
