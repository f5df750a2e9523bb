-- The "session_changed" messages name sessions and users by id only: any role that may LISTEN
-- must not read live session tokens. One message per statement (in chunks that stay under
-- NOTIFY's 8000-byte payload limit), not per row, and none for deleted rows that had expired
-- already (the sweep): nothing cached can still honour those.
DROP TRIGGER IF EXISTS "session_changed" ON "session";
DROP TRIGGER IF EXISTS "user_changed" ON "user";
DROP FUNCTION IF EXISTS "session_changed_notify"();

CREATE FUNCTION "session_changed_notify"() RETURNS trigger AS $$
DECLARE
  payload text;
BEGIN
  IF TG_TABLE_NAME = 'user' THEN
    FOR payload IN
      SELECT json_build_object('userIds', json_agg("id"))::text
      FROM (SELECT "id", (row_number() OVER ()) / 150 AS "chunk" FROM "changed_rows") AS c GROUP BY "chunk"
    LOOP
      PERFORM pg_notify('session_changed', payload);
    END LOOP;
  ELSE
    FOR payload IN
      SELECT json_build_object('sessionIds', json_agg("id"), 'userIds', json_agg(DISTINCT "userId"))::text
      FROM (
        SELECT "id", "userId", (row_number() OVER ()) / 80 AS "chunk" FROM "changed_rows"
        WHERE TG_OP = 'UPDATE' OR "expiresAt" > now()
      ) AS c GROUP BY "chunk"
    LOOP
      PERFORM pg_notify('session_changed', payload);
    END LOOP;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "session_deleted" AFTER DELETE ON "session"
  REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "session_changed_notify"();
CREATE TRIGGER "session_updated" AFTER UPDATE ON "session"
  REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "session_changed_notify"();
-- A ban, role change or any other change to the user: cached copies of its sessions go stale.
CREATE TRIGGER "user_changed" AFTER UPDATE ON "user"
  REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "session_changed_notify"();
