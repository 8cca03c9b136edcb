-- 006_sitting_freeze: the change freeze on sittings, and an audit row for every change to one.
-- Enforced here, in the database, so that every writer (API, CLI, seed, psql, a future route)
-- goes through it: while a sitting is live, an UPDATE that changes its exam or timing is refused
-- unless the transaction says why (SET LOCAL examhall.freeze_override = '<reason>'). Title and slot
-- are never frozen; started_at and paused_at are run state with their own audit rows.
-- The writer's name for the audit comes from SET LOCAL examhall.actor (else the database user).

-- Live: the window is open (opens_at <= now < closes_at + grace), or the sitting has started and
-- not yet closed, or an attempt is in the lobby or in progress (a paused attempt may outlive the window).
CREATE FUNCTION sitting_is_live(s sittings) RETURNS boolean LANGUAGE sql STABLE
SET search_path FROM CURRENT AS $$
  SELECT (now() >= s.opens_at OR s.started_at IS NOT NULL) AND now() < s.closes_at + make_interval(secs => s.grace_s)
      OR EXISTS (SELECT 1 FROM attempts a WHERE a.sitting_id = s.id AND a.status IN ('lobby', 'in_progress'))
$$;

-- The exam and timing of a sitting: what the freeze covers.
CREATE FUNCTION sitting_frozen_columns() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['exam_id', 'exam_version', 'opens_at', 'closes_at', 'duration_s', 'grace_s', 'start_mode']
$$;

-- What the audit records: the frozen columns, title and slot.
CREATE FUNCTION sitting_audited_columns() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT sitting_frozen_columns() || ARRAY['title', 'slot']
$$;

-- { column: { old, new } } for each of `cols` that differs between two versions of a row.
CREATE FUNCTION sitting_changes(o sittings, n sittings, cols text[]) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(jsonb_object_agg(c, jsonb_build_object('old', to_jsonb(o) -> c, 'new', to_jsonb(n) -> c)), '{}')
  FROM unnest(cols) AS c
  WHERE (to_jsonb(o) -> c) IS DISTINCT FROM (to_jsonb(n) -> c)
$$;

CREATE FUNCTION freeze_override_reason() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT nullif(trim(current_setting('examhall.freeze_override', true)), '')
$$;

CREATE FUNCTION refuse_frozen_sitting_change() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  frozen jsonb := sitting_changes(OLD, NEW, sitting_frozen_columns());
BEGIN
  IF frozen <> '{}' AND freeze_override_reason() IS NULL AND sitting_is_live(OLD) THEN
    RAISE EXCEPTION USING
      ERRCODE = 'EHF01', -- examhall: change frozen (server/src/sittings/freeze.ts maps it to CHANGE_FROZEN)
      MESSAGE = format('sitting %s is live: %s cannot change without an override reason',
                       OLD.id, (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(frozen) AS k)),
      DETAIL = frozen::text;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER sittings_change_freeze
  BEFORE UPDATE ON sittings
  FOR EACH ROW EXECUTE FUNCTION refuse_frozen_sitting_change();

-- One audit row per created sitting (details.values) or changed one (details.changes: each changed
-- column's old and new value), with the override reason if one was given; a frozen change that went
-- through on an override is 'sitting.changed_during_window'.
CREATE FUNCTION audit_sitting_change() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
  actor text := coalesce(nullif(current_setting('examhall.actor', true), ''), 'db:' || session_user);
  reason text := freeze_override_reason();
  changes jsonb;
  action text := 'sitting.updated';
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO audit_log (actor, action, sitting_id, details)
    SELECT actor, 'sitting.created', NEW.id, jsonb_build_object('values', jsonb_object_agg(c, to_jsonb(NEW) -> c))
           || CASE WHEN reason IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('reason', reason) END
    FROM unnest(sitting_audited_columns()) AS c;
    RETURN NULL;
  ELSE
    changes := sitting_changes(OLD, NEW, sitting_audited_columns());
    IF changes = '{}' THEN
      RETURN NULL;
    END IF;
    IF sitting_changes(OLD, NEW, sitting_frozen_columns()) <> '{}' AND sitting_is_live(OLD) THEN
      action := 'sitting.changed_during_window';
    END IF;
  END IF;
  INSERT INTO audit_log (actor, action, sitting_id, details)
  VALUES (actor, action, NEW.id, jsonb_build_object('changes', changes)
    || CASE WHEN reason IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('reason', reason) END);
  RETURN NULL;
END;
$$;

CREATE TRIGGER sittings_audit
  AFTER INSERT OR UPDATE ON sittings
  FOR EACH ROW EXECUTE FUNCTION audit_sitting_change();
