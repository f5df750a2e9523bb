-- Onboarding: display name, time zone, and when the user completed /onboarding.
ALTER TABLE "user" ADD COLUMN "displayName" TEXT;
ALTER TABLE "user" ADD COLUMN "onboardedAt" DATETIME;
ALTER TABLE "user" ADD COLUMN "timeZone" TEXT;

-- Accounts made before onboarding existed keep working as they did: their name, UTC, done.
UPDATE "user" SET "displayName" = "name", "timeZone" = 'UTC', "onboardedAt" = "createdAt" WHERE "onboardedAt" IS NULL;
