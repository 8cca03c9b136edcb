-- attempt-scopes: where each attempt's candidate sits, to route proctor deltas.
-- in:  $1 attempt_id uuid[]
-- out: attempt_id, sitting_id, candidate_id, center_id, district_id (one row per existing attempt)
SELECT a.id AS attempt_id, a.sitting_id, a.candidate_id, c.center_id, ce.district_id
FROM attempts a
JOIN candidates c ON c.id = a.candidate_id
JOIN centers ce ON ce.id = c.center_id
WHERE a.id = ANY($1::uuid[])
