-- find-access-code: the stored hash of a candidate's access code. in: $1 sitting_id, $2 candidate_id. out: zero or one row.
SELECT code_hash FROM access_codes WHERE sitting_id = $1 AND candidate_id = $2
