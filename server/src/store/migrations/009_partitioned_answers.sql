-- 009_partitioned_answers: `answers` and `answer_events` become tables partitioned by HASH (attempt_id)
-- into 16 partitions, existing rows moved; the append-only rule gains one audited exception for the
-- archive command (server/src/archive/).
--
-- Why hash on attempt_id and not a sitting key: every statement on the answer path already names the
-- attempt (flush-answers, attempt-answers, find-attempt-context, the sweeps), so each one prunes to a
-- single partition with no change to its SQL. A sitting key would need sitting_id on every row and in
-- the worker's batch, and a new partition per sitting created before its first answer. What 16 hash
-- partitions give at 40,000 attempts × 20 answers × several versions: per-partition indexes and heaps
-- a 16th the size (autovacuum of the hot, heavily updated `answers` works partition by partition
-- instead of one 800,000-row table with bloat from every upsert), and a bulk read by sitting can scan
-- partitions in parallel. Archiving a sitting still deletes rows (hash partitions mix sittings).
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
-- 3 warm runs, each in a rolled-back transaction, after VACUUM ANALYZE; shared 2-core box, so ±30%;
-- control statement on attempts, untouched by 009: 6.1 ms before, 3.1 ms after). Before → after:
--   flush-answers, 500 versions over 250 attempts   39.5 → 41.0 ms  Insert + ON CONFLICT on answers_pNN_pkey
--                                                                   and answer_events_pNN_pkey; 1,702 → 1,703 buffers
--   attempt-answers (prepared, generic plan)        0.01 → 0.02 ms  Index Scan answers_p09_pkey, the other 15
--                                                                   partitions pruned at run time; 4 → 3 buffers
--   find-attempt-context (prepared, generic plan)   0.11 → 0.14 ms  same, inside the json_agg subquery
--   presence-events, 200 attempts (not changed)     0.81 → 0.87 ms  Bitmap Index Scan presence_events_attempt_idx
--   sweep-alerts (jit off)                           122 →   78 ms   per attempt: Aggregate over Index Scan
--                                                                   answers_pNN_pkey (attempt_id = a.id), ~20 rows
--   roster-snapshot, whole 40,000 sitting (jit off) 1009 → 1336 ms  same per-attempt answers lookup (0.019 →
--                                                                   0.020 ms × 40,000); the rest is a join order
--                                                                   change: an Append's cost is estimated as all
--                                                                   16 partitions, so attempts is probed per row
--   export answer_events of a 2,000-attempt sitting  404 →  706 ms  Seq Scan of every partition + Hash Join (the
--                                                                   archive's read; once per sitting, not hot)
--   export answer_events of the 40,000 sitting      1211 → 1616 ms  same plan; 2,400,000 rows
-- With JIT on (the server default) sweep-alerts took 738 → 820 ms, of which JIT 612 → 741 ms, and
-- roster-snapshot 1610 → 1769 ms with 1.2–2.1 s of JIT: partitioning raises the estimated cost of every
-- per-attempt subquery (cost of 16 index scans), so JIT compiles more; see store/db.ts (jit off).
-- Indexes kept: the two primary keys (every statement above uses them). Tried and not kept: answers
-- (attempt_id, committed_at) for the sweep's max(committed_at): 78 → 102 ms (no gain; ~20 rows per
-- attempt are read from the primary key anyway) and one more index to maintain on every upsert.
-- Migration on the filled schema: 25–32 s.
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
  FOR i IN 0..15 LOOP
    EXECUTE format('CREATE TABLE answers_p%s PARTITION OF answers FOR VALUES WITH (MODULUS 16, REMAINDER %s)', lpad(i::text, 2, '0'), i);
    EXECUTE format('CREATE TABLE answer_events_p%s PARTITION OF answer_events FOR VALUES WITH (MODULUS 16, REMAINDER %s)', lpad(i::text, 2, '0'), i);
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
