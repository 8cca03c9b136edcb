-- load-exam: one exam version's content (no keys) for the gateway's in-memory cache.
-- in:  $1 exam_id text, $2 version integer
-- out: title, content
SELECT title, content FROM exams WHERE id = $1 AND version = $2
