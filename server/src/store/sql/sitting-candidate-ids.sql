-- sitting-candidate-ids: every candidate enrolled in a sitting. in: $1 sitting_id. out: candidate_id, in order.
SELECT candidate_id FROM sitting_candidates WHERE sitting_id = $1 ORDER BY candidate_id
