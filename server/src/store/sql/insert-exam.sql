-- insert-exam: one exam version's content (without keys). A version, once stored, is immutable.
-- in: $1 id text, $2 version integer, $3 title text, $4 content (JSON text) text
-- out: one row when inserted, zero when that version already exists
INSERT INTO exams (id, version, title, content)
VALUES ($1, $2, $3, $4::text::jsonb)
ON CONFLICT (id, version) DO NOTHING
RETURNING id
