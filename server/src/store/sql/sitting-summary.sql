-- sitting-summary: a sitting's title and exam version. in: $1 sitting_id text. out: zero or one row.
SELECT id, title, exam_id, exam_version FROM sittings WHERE id = $1
