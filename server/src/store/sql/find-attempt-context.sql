-- find-attempt-context: everything a join needs to decide, in one round trip.
-- in:  $1 sitting_id text, $2 candidate_id text
-- out: zero rows when the sitting does not exist; otherwise one row with the sitting, enrolled (bool),
--      the candidate's accommodations, center and district, the attempt's columns (NULL when there is
--      no attempt yet), its last presence (NULL when never connected) and `answers`: its stored answers
--      as JSON [{question_id, seq, value}] (as attempt-answers.sql; [] without an attempt), saving a round trip per join
SELECT s.id AS sitting_id, s.exam_id, s.exam_version, s.start_mode, s.started_at AS sitting_started_at,
       s.opens_at, s.closes_at, s.duration_s, s.grace_s,
       (sc.candidate_id IS NOT NULL) AS enrolled,
       coalesce(c.extra_time_s, 0) AS extra_time_s,
       coalesce(c.extra_time_multiplier, 1)::float8 AS extra_time_multiplier,
       a.id AS attempt_id, a.status, a.started_at, a.deadline_at,
       a.extension_s, a.paused_at, a.paused_ms, a.submitted_at, a.locked_at,
       c.center_id, ce.district_id,
       p.online AS presence_online, p.ip AS presence_ip, p.user_agent AS presence_user_agent,
       (SELECT coalesce(json_agg(json_build_object('question_id', x.question_id, 'seq', x.seq, 'value', x.value)), '[]'::json)
        FROM answers x WHERE x.attempt_id = a.id) AS answers
FROM sittings s
LEFT JOIN sitting_candidates sc ON sc.sitting_id = s.id AND sc.candidate_id = $2
LEFT JOIN candidates c ON c.id = sc.candidate_id
LEFT JOIN centers ce ON ce.id = c.center_id
LEFT JOIN attempts a ON a.sitting_id = s.id AND a.candidate_id = $2
LEFT JOIN presence p ON p.attempt_id = a.id
WHERE s.id = $1
