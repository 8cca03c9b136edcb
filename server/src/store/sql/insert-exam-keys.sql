-- insert-exam-keys: in: $1 exam_id text, $2 exam_version integer, $3 question_id text[], $4 key (JSON text) text[]
INSERT INTO exam_keys (exam_id, exam_version, question_id, key)
SELECT $1, $2, question_id, key::jsonb FROM unnest($3::text[], $4::text[]) AS t (question_id, key)
