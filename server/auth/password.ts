import { availableParallelism } from 'node:os'
import { type Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2'
import { verifyPassword as verifyScrypt } from 'better-auth/crypto'
import pLimit from 'p-limit'
import { useDb } from '../platform/db'
import { digest } from '../platform/digest'

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
  // The same password: a sign-in waiting for its second factor still rests on it.
  await useDb().verification.updateMany({ where: { identifier: { startsWith: FIRST_FACTOR_PREFIX }, value: fingerprint(old) }, data: { value: fingerprint(upgraded) } })
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

/**
 * Once a new session exists: the account's hash if the password checked against `before` is still
 * its password (the same hash, or one it verifies against), false if it changed meanwhile.
 */
async function hashIfStillValid(userId: string, before: string | null | undefined, password: unknown): Promise<string | null | false> {
  const now = await credentialHash({ userId })
  if (now === before) return now
  return !!now && typeof password === 'string' && await passwordHasher.verify({ hash: now, password }) && now
}

/** The same, as a yes or no (re-authentication). */
export async function passwordStillValid(userId: string, before: string | null | undefined, password: unknown): Promise<boolean> {
  return await hashIfStillValid(userId, before, password) !== false
}

/** After a password sign-in made its session: whether the hash it started with still holds (true for any other request). */
export async function passwordUnchangedSince(request: Request | undefined, userId: string, password: unknown): Promise<boolean> {
  if (!request || !hashAtStart.has(request)) return true
  const proved = await hashIfStillValid(userId, hashAtStart.get(request), password)
  if (proved === false) return false
  // The hash this sign-in proved (its own rehash included): what a second factor after it must still find.
  hashAtStart.set(request, proved)
  return true
}

/**
 * A sign-in waiting for its second factor carries on the same promise: its pending row (`2fa-<id>`)
 * gets a companion naming the hash its first factor saw, and the session the second factor makes
 * goes if the hash changed since (a reset or change while the code was being typed).
 */
const FIRST_FACTOR_PREFIX = 'first-factor-hash:'
const firstFactorKey = (pending: string) => `${FIRST_FACTOR_PREFIX}${pending}`
const fingerprint = (hash: string | null) => digest(hash ?? 'no password')

/** When a pending second-factor row is made: keeps the hash the first factor saw (that sign-in's, or the account's now). */
export async function notePendingSecondFactor(pending: { identifier: string, value: string, expiresAt: Date }, request: Request | undefined) {
  const hash = request && hashAtStart.has(request) ? hashAtStart.get(request)! : await credentialHash({ userId: pending.value })
  await useDb().verification.create({ data: { id: crypto.randomUUID(), identifier: firstFactorKey(pending.identifier), value: fingerprint(hash), expiresAt: pending.expiresAt } })
}

/** After a second factor made its session: whether the hash its first factor saw is still the account's (true if none was kept). */
export async function firstFactorStillValid(pending: string, userId: string): Promise<boolean> {
  const kept = await useDb().verification.findFirst({ where: { identifier: firstFactorKey(pending) }, select: { id: true, value: true } })
  if (!kept) return true
  await useDb().verification.delete({ where: { id: kept.id } }).catch(() => {})
  return kept.value === fingerprint(await credentialHash({ userId }))
}
