-- Signing keys of the JWT plugin (GET /api/auth/token, /api/auth/jwks).
-- CreateTable
CREATE TABLE "jwks" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "publicKey" TEXT NOT NULL,
    "privateKey" TEXT NOT NULL,
    "alg" TEXT,
    "crv" TEXT,
    "createdAt" DATETIME NOT NULL,
    "expiresAt" DATETIME
);

