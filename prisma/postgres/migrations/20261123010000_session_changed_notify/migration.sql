-- Every app instance LISTENs on "session_changed" and drops what it cached about the session or
-- user named here, so a row deleted or changed by hand, by a foreign-key cascade or by another
-- service is seen at once, not only when better-auth itself makes the change. A session's token
-- is included so its copy in Redis (secondary storage) goes too: the database is the truth.
CREATE OR REPLACE FUNCTION "session_changed_notify"() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'user' THEN
    PERFORM pg_notify('session_changed', json_build_object('userId', NEW."id")::text);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('session_changed', json_build_object('sessionId', OLD."id", 'userId', OLD."userId", 'token', OLD."token")::text);
  ELSE
    PERFORM pg_notify('session_changed', json_build_object('sessionId', NEW."id", 'userId', NEW."userId", 'token', NEW."token")::text);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "session_changed" AFTER UPDATE OR DELETE ON "session"
  FOR EACH ROW EXECUTE FUNCTION "session_changed_notify"();

-- A ban, role change or any other change to the user: cached copies of its sessions go stale.
CREATE TRIGGER "user_changed" AFTER UPDATE ON "user"
  FOR EACH ROW EXECUTE FUNCTION "session_changed_notify"();
