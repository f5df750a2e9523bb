-- TRUNCATE fires no row trigger, yet "TRUNCATE session" (or "user", which cascades) is a common
-- way to sign everyone out by hand: tell every instance to forget every session it holds
-- (server/plugins/revocation-listener.ts also stops believing the session copies in Redis).
CREATE OR REPLACE FUNCTION "sessions_truncated_notify"() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('session_changed', '{"all":true}');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "session_truncated" AFTER TRUNCATE ON "session"
  FOR EACH STATEMENT EXECUTE FUNCTION "sessions_truncated_notify"();
CREATE TRIGGER "user_truncated" AFTER TRUNCATE ON "user"
  FOR EACH STATEMENT EXECUTE FUNCTION "sessions_truncated_notify"();
