-- target-centers: the candidates of a sitting who sit in these centers, and their attempts.
-- in:  $1 sitting_id text, $2 center_id text[]
-- out: center_id, district_id, candidate_id, attempt_id, status — one row per enrolled candidate, and one
--      row with NULL candidate_id for a center without any (so every existing center's district is known);
--      an unknown center has no row
-- plan: each run (see queries.ts)
SELECT ce.id AS center_id, ce.district_id, sc.candidate_id, a.id AS attempt_id, a.status
FROM centers ce
LEFT JOIN (candidates c JOIN sitting_candidates sc ON sc.candidate_id = c.id AND sc.sitting_id = $1) ON c.center_id = ce.id
LEFT JOIN attempts a ON a.sitting_id = $1 AND a.candidate_id = sc.candidate_id
WHERE ce.id = ANY($2::text[])
ORDER BY sc.candidate_id NULLS FIRST
