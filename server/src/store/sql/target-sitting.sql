-- target-sitting: every candidate enrolled in a sitting, where they sit, and their attempt.
-- in:  $1 sitting_id text
-- out: candidate_id, center_id, district_id, attempt_id (NULL before the first join), status (NULL without an attempt)
-- plan: each run (see queries.ts)
SELECT sc.candidate_id, c.center_id, ce.district_id, a.id AS attempt_id, a.status
FROM sitting_candidates sc
JOIN candidates c ON c.id = sc.candidate_id
JOIN centers ce ON ce.id = c.center_id
LEFT JOIN attempts a ON a.sitting_id = sc.sitting_id AND a.candidate_id = sc.candidate_id
WHERE sc.sitting_id = $1
ORDER BY sc.candidate_id
