-- set-attempt-lock: a proctor's reversible hold on an attempt (answers and submit refused; the clock runs).
-- in:  $1 attempt_id uuid, $2 locked_at timestamptz (NULL = unlock; a lock already set keeps its first time)
-- out: locked_at
UPDATE attempts
SET locked_at = CASE WHEN $2::timestamptz IS NULL THEN NULL ELSE coalesce(locked_at, $2::timestamptz) END
WHERE id = $1
RETURNING locked_at
