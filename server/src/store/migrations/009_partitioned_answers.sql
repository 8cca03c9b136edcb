-- 009_partitioned_answers: `answers` and `answer_events` become tables partitioned by HASH (attempt_id)
-- into 8 partitions, existing rows moved; the append-only rule gains one audited exception for the
-- archive command (server/src/archive/).
--
-- Why hash on attempt_id and not a sitting key: every statement on the answer path already names the
-- attempt (flush-answers, attempt-answers, find-attempt-context, the sweeps), so each one prunes to a
-- single partition with no change to its SQL. A sitting key would need sitting_id on every row and in
-- the worker's batch, and a new partition per sitting created before its first answer. What hash
-- partitions give at 40,000 attempts × 20 answers × several versions: heaps and indexes an 8th the size
-- (autovacuum of the hot, heavily updated `answers` works partition by partition instead of one
-- 800,000-row table with bloat from every upsert), and a bulk read by sitting scans partitions in
-- parallel. Archiving a sitting still deletes rows (hash partitions mix sittings).
-- Why 8 and not 16: a flush batch touches most partitions, and each touched partition costs the
-- statement its own setup (routing, indexes, the ON CONFLICT projection). The worker's flush, timed
-- alternately against both layouts (bench storage-flush-ab, 40,000 attempts, 1,000 batches of 100
-- versions), p50 unpartitioned → partitioned: 16 partitions 4.54 → 4.94, 4.35 → 4.71, 5.30 → 5.63 ms
-- (+6 to +9%); 8 partitions 3.53 → 3.64, 3.81 → 3.99 ms (+3 to +5%, near the noise).
--
-- presence_events stays as it is: a few rows per attempt (connects and disconnects), one index
-- (attempt_id, at) that serves its only reader, and inserts in small gateway batches; partitioning it
-- would force its bigserial primary key to include attempt_id and buy nothing measurable.
--
-- answer_events loses the index on its bigserial id: no statement reads by id (the id column and its
-- sequence stay, so the order of versions is still recorded). Its primary key is now the natural key
-- (attempt_id, question_id, seq), which was already UNIQUE and is what flush-answers' ON CONFLICT uses:
-- one index to maintain per inserted version instead of two.
--
-- Measured (npm run -s -w @examhall/bench storage-plans -- --attempts 40000: 42,000 attempts × 20
-- answers × 3 versions = 840,000 answers, 2,520,000 answer_events; EXPLAIN (ANALYZE, BUFFERS), fastest of
-- 3 warm runs, each in a rolled-back transaction, after VACUUM ANALYZE, JIT off as the pool runs it;
-- shared 2-core box; a control statement on attempts, which 009 does not touch: 3.2 → 2.9 ms):
--   statement                                   before → after 009   plan after 009
--   flush-answers, 500 versions, 250 attempts      18.7 → 16.9 ms     Insert … ON CONFLICT via answers_pNN_pkey and
--                                                                     answer_events_pNN_pkey; 1,702 → 1,707 buffers
--   attempt-answers (prepared, generic plan)       0.01 → 0.01 ms     Index Scan answers_pNN_pkey, the other 7
--                                                                     partitions pruned at run time; 4 → 4 buffers
--   find-attempt-context (prepared, generic)       0.08 → 0.09 ms     the same, inside its json_agg subquery
--   sweep-alerts                                   76.5 → 66.5 ms     per attempt: Aggregate over Index Scan
--                                                                     answers_pNN_pkey (attempt_id = a.id), 20 rows
--   roster-snapshot, the whole 40,000 sitting     700.6 → 613.7 ms    the same per-attempt lookup (LATERAL)
--   presence-events, 200 attempts (not changed)    0.74 → 0.54 ms     Bitmap Index Scan presence_events_attempt_idx
--   export answer_events, 2,000-attempt sitting   298.0 → 335.8 ms    Seq Scan of each partition + Hash Join on
--   export answers, 2,000-attempt sitting         101.1 → 121.4 ms    attempts (the archive's read; once per
--   export answer_events, the 40,000 sitting      586.0 → 690.1 ms    sitting, not on the answer path)
-- (With JIT on, the server default, the sweep had been 738 ms of which JIT 612 ms, more once
-- partitioned: an Append is costed as all its partitions; the pool now runs with jit = off, store/db.ts.)
-- Indexes kept: the two primary keys (every statement above uses them). Tried and not kept: answers
-- (attempt_id, committed_at) for the sweep's max(committed_at): 66.5 → 51.2 ms per sweep, but
-- committed_at changes on every upsert, so each flush would also write that index (and lose HOT
-- updates); the sweep runs every few seconds, the flush hundreds of times a second.
-- This migration on the filled schema: 20.4 s (25–32 s with 16 partitions on a busier box).
--
-- Runs inside the migrator's single transaction (store/migrate.ts); the copy takes locks on the old
-- tables until the whole migration commits, so run it before a sitting, not during one.

-- Fail loudly rather than drop something an earlier migration added to these tables that this one
-- does not know about (it would be lost in the copy).
DO $$
DECLARE
  unknown text;
BEGIN
  SELECT string_agg(c.conname || ' on ' || c.conrelid::regclass::text, ', ') INTO unknown
  FROM pg_constraint c
  WHERE c.connamespace = current_schema()::regnamespace
    AND (c.conrelid IN ('answers'::regclass, 'answer_events'::regclass) AND c.contype IN ('p', 'u', 'f', 'x')
         AND c.conname NOT IN ('answers_pkey', 'answers_attempt_id_fkey', 'answer_events_pkey',
                               'answer_events_attempt_id_question_id_seq_key', 'answer_events_attempt_id_fkey')
         OR c.confrelid IN ('answers'::regclass, 'answer_events'::regclass));
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION '009: unexpected keys on answers/answer_events (%); add them to this migration', unknown;
  END IF;
  SELECT string_agg(i.indexrelid::regclass::text, ', ') INTO unknown
  FROM pg_index i
  WHERE i.indrelid IN ('answers'::regclass, 'answer_events'::regclass)
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION '009: unexpected indexes on answers/answer_events (%); add them to this migration', unknown;
  END IF;
  SELECT string_agg(t.tgname, ', ') INTO unknown
  FROM pg_trigger t
  WHERE t.tgrelid IN ('answers'::regclass, 'answer_events'::regclass) AND NOT t.tgisinternal
    AND t.tgname <> 'answer_events_append_only';
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION '009: unexpected triggers on answers/answer_events (%); add them to this migration', unknown;
  END IF;
END
$$;

-- The old tables step aside (with their index names, which the new tables take over).
ALTER TABLE answers RENAME TO answers_unpartitioned;
ALTER TABLE answers_unpartitioned RENAME CONSTRAINT answers_pkey TO answers_unpartitioned_pkey;
ALTER TABLE answer_events RENAME TO answer_events_unpartitioned;
ALTER TABLE answer_events_unpartitioned RENAME CONSTRAINT answer_events_pkey TO answer_events_unpartitioned_pkey;
ALTER TABLE answer_events_unpartitioned
  RENAME CONSTRAINT answer_events_attempt_id_question_id_seq_key TO answer_events_unpartitioned_natural_key;

-- LIKE keeps the columns (in order, with any added by an earlier migration), defaults and checks.
CREATE TABLE answers (
  LIKE answers_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED,
  PRIMARY KEY (attempt_id, question_id),
  FOREIGN KEY (attempt_id) REFERENCES attempts (id)
) PARTITION BY HASH (attempt_id);

CREATE TABLE answer_events (
  LIKE answer_events_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED,
  PRIMARY KEY (attempt_id, question_id, seq),
  FOREIGN KEY (attempt_id) REFERENCES attempts (id)
) PARTITION BY HASH (attempt_id);
ALTER SEQUENCE answer_events_id_seq OWNED BY answer_events.id;

DO $$
BEGIN
  FOR i IN 0..7 LOOP
    EXECUTE format('CREATE TABLE answers_p%s PARTITION OF answers FOR VALUES WITH (MODULUS 8, REMAINDER %s)', lpad(i::text, 2, '0'), i);
    EXECUTE format('CREATE TABLE answer_events_p%s PARTITION OF answer_events FOR VALUES WITH (MODULUS 8, REMAINDER %s)', lpad(i::text, 2, '0'), i);
  END LOOP;
END
$$;

INSERT INTO answers SELECT * FROM answers_unpartitioned;
INSERT INTO answer_events SELECT * FROM answer_events_unpartitioned;
DROP TABLE answers_unpartitioned;
DROP TABLE answer_events_unpartitioned;

-- The append-only rule, with one way out: the archive command deletes a closed sitting's rows in one
-- transaction that first runs set_config('examhall.archiving', <sitting id>, true) (transaction-local)
-- and writes a `sitting.archived` audit row. Only DELETE, and only of rows of that sitting (by the
-- row's sitting_id or its attempt's); UPDATE is always refused. search_path is pinned to this schema so
-- the attempts lookup cannot be redirected.
CREATE OR REPLACE FUNCTION refuse_change_to_append_only() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  archiving text := nullif(current_setting('examhall.archiving', true), '');
  old_row jsonb;
BEGIN
  IF TG_OP = 'DELETE' AND archiving IS NOT NULL THEN
    old_row := to_jsonb(OLD);
    IF old_row ->> 'sitting_id' = archiving
       OR EXISTS (SELECT 1 FROM attempts a WHERE a.id = (old_row ->> 'attempt_id')::uuid AND a.sitting_id = archiving) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

-- On the partitioned parent, so every partition (now and later) gets it.
CREATE TRIGGER answer_events_append_only
  BEFORE UPDATE OR DELETE ON answer_events
  FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only();

ANALYZE answers;
ANALYZE answer_events;
