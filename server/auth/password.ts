import { availableParallelism } from 'node:os'
import { type Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2'
import { verifyPassword as verifyScrypt } from 'better-auth/crypto'
import pLimit from 'p-limit'
import { useDb } from '../platform/db'

/**
 * OWASP's first choice for storing passwords: argon2id with 19 MiB of memory, 2 passes, 1 lane
 * (Password Storage Cheat Sheet). `Algorithm` is a const enum in the binding's types: 2 is Argon2id.
 */
export const ARGON2ID = { algorithm: 2 as Algorithm, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 }

// Hashing runs on libuv's pool. At most one per core but one, so a burst of sign-ins queues
// instead of taking every core from the event loop that answers everyone else.
const limit = pLimit(Math.max(1, availableParallelism() - 1))

/**
 * New and changed passwords are hashed with argon2id. Hashes made before (better-auth's scrypt,
 * `<salt>:<key>`) still verify, and a password that verifies against one is rehashed with
 * argon2id on the spot: the next successful sign-in (or re-entry of the password) upgrades it.
 */
export const passwordHasher = {
  hash: (password: string) => limit(() => argon2Hash(password, ARGON2ID)),
  verify: ({ hash, password }: { hash: string, password: string }) => limit(async () => {
    if (hash.startsWith('$argon2')) return argon2Verify(hash, password)
    if (!await verifyScrypt({ hash, password })) return false
    await rehash(hash, password)
    return true
  }),
}

/** Replaces an old hash by its argon2id one, on the account that holds exactly that hash. */
async function rehash(old: string, password: string) {
  const upgraded = await argon2Hash(password, ARGON2ID)
  await useDb().account.updateMany({ where: { providerId: 'credential', password: old }, data: { password: upgraded } })
}
