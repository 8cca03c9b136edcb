-- load-exam-keys: the answer keys of one exam version (workers only; never sent to a gateway socket).
-- in:  $1 exam_id text, $2 exam_version integer
-- out: question_id, key
SELECT question_id, key FROM exam_keys WHERE exam_id = $1 AND exam_version = $2
