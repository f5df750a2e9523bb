-- A session updated by the app itself (its sliding refresh: application_name 'sessionkit', set
-- by server/utils/db.ts) notifies nobody: better-auth has written the new expiry to the session's
-- copy in Redis already, and a message would only make every instance drop that copy. Anything
-- else still notifies: a session updated or deleted by anyone, and any change to a user.
CREATE OR REPLACE FUNCTION "session_changed_notify"() RETURNS trigger AS $$
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
  ELSIF TG_OP = 'UPDATE' AND current_setting('application_name', true) = 'sessionkit' THEN
    RETURN NULL;
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
