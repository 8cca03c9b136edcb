-- enroll-candidates: in: $1 sitting_id text, $2 candidate_id text[]
INSERT INTO sitting_candidates (sitting_id, candidate_id)
SELECT $1, candidate_id FROM unnest($2::text[]) AS t (candidate_id)
ON CONFLICT DO NOTHING
