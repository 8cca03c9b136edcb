-- upsert-access-codes: (re)issues access codes; a new code replaces the old one.
-- in:  $1 sitting_id text, $2 candidate_id text[], $3 code_hash text[]
-- out: candidate_id of each enrolled candidate given a code
INSERT INTO access_codes (sitting_id, candidate_id, code_hash)
SELECT $1, t.candidate_id, t.code_hash
FROM unnest($2::text[], $3::text[]) AS t (candidate_id, code_hash)
JOIN sitting_candidates sc ON sc.sitting_id = $1 AND sc.candidate_id = t.candidate_id
ON CONFLICT (sitting_id, candidate_id) DO UPDATE SET code_hash = excluded.code_hash, issued_at = now()
RETURNING candidate_id
