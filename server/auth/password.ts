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

/**
 * A password sign-in reads the account's hash, spends tens of milliseconds verifying it, then
 * makes its session. A reset or a change in between ends the account's sessions before that one
 * exists, so it would survive, holding the old password's session. Each sign-in notes the hash it
 * started with (by its request), and once its session exists checks it again: if the hash changed,
 * the session goes (a hash that changed only by the rehash above still verifies the password).
 */
const hashAtStart = new WeakMap<Request, string | null>()

/** The account's password hash as it is now (null without one). */
export async function credentialHash(where: { userId: string } | { email: string }): Promise<string | null> {
  const owner = 'userId' in where ? { userId: where.userId } : { user: { email: where.email.toLowerCase() } }
  return (await useDb().account.findFirst({ where: { providerId: 'credential', ...owner }, select: { password: true } }))?.password ?? null
}

/** Before a password sign-in: the hash it will check. */
export async function noteHashAtStart(request: Request | undefined, email: unknown) {
  if (request && typeof email === 'string') hashAtStart.set(request, await credentialHash({ email }))
}

/** Whether the password checked against `before` is still the account's password, once its new session exists. */
export async function passwordStillValid(userId: string, before: string | null | undefined, password: unknown): Promise<boolean> {
  const now = await credentialHash({ userId })
  if (now === before) return true
  return !!now && typeof password === 'string' && await passwordHasher.verify({ hash: now, password })
}

/** After a password sign-in made its session: whether the hash it started with still holds (true for any other request). */
export function passwordUnchangedSince(request: Request | undefined, userId: string, password: unknown): Promise<boolean> | true {
  if (!request || !hashAtStart.has(request)) return true
  return passwordStillValid(userId, hashAtStart.get(request), password)
}
