import { randomUUID } from 'node:crypto'
import type { H3Event } from 'h3'
import { makeSignature } from 'better-auth/crypto'
import { currentAuthPath } from '../auth/context'
import { useDb } from '../platform/db'
import { digest, safeEqual } from '../platform/digest'
import { useEnv } from '../platform/env'
import { readSignedCookie } from './cache'
import { pastMaxAge } from './lifetime'

/** A session row as it was just before it was deleted. */
export interface EndedSession { id: string, token: string, expiresAt: Date | string, createdAt: Date | string }

const PREFIX = 'session-ended:'
/** Identifier of the rows that list ended sessions by id, for resource servers (GET /api/revocations). */
export const REVOKED_SESSION = 'revoked-session'
/** How long a reason is kept at least: long enough for an open tab or a returning browser to ask. */
const KEEP_MS = 3600_000

const keyOf = (token: string) => PREFIX + digest(token)

/**
 * Why a session ended, judged as it is deleted: its lifetime ran out, an administrator ended it
 * (any better-auth admin endpoint: revoke, ban, remove, set password), or its user did, elsewhere.
 */
export function endReason(session: EndedSession, path: string | undefined, now = Date.now()): SessionEndReason {
  const env = useEnv()
  if (new Date(session.expiresAt).getTime() <= now || pastMaxAge(session.createdAt, env.SESSION_MAX_AGE, now)) return 'expired'
  return path?.startsWith('/admin/') ? 'revoked' : 'signed-out'
}

/** The reasons of sessions being deleted now; call before the delete, inside the request that does it. */
export function endings(sessions: EndedSession[]) {
  const path = currentAuthPath()
  return sessions.map(session => ({ session, reason: endReason(session, path) }))
}

/**
 * Keeps why each session ended, under a hash of its token (never the token), and its id for the
 * revocation list, as verification rows the sweep removes once they expire. Best effort: losing a reason only makes the sign-in
 * page's message generic.
 */
export async function recordEndings(ended: ReturnType<typeof endings>) {
  if (!ended.length) return
  const now = Date.now()
  // A JWT naming the session may live JWT_EXPIRES_IN after it was issued, so the id is listed that long.
  const listedUntil = new Date(now + useEnv().JWT_EXPIRES_IN * 1000 + 60_000)
  await useDb().verification.createMany({
    data: ended.flatMap(({ session, reason }) => [{
      id: randomUUID(),
      identifier: keyOf(session.token),
      value: reason,
      expiresAt: new Date(Math.max(new Date(session.expiresAt).getTime(), now + KEEP_MS)),
    }, { id: randomUUID(), identifier: REVOKED_SESSION, value: session.id, expiresAt: listedUntil }]),
  }).catch(error => console.warn(`Could not record why ${ended.length} session(s) ended: ${(error as Error).message}`))
}

/**
 * Why the session named by this request's cookie ended, if it did: only the holder of a validly
 * signed cookie learns it, so it tells a stranger nothing.
 */
export async function whySessionEnded(event: H3Event): Promise<SessionEndReason | undefined> {
  const cookie = readSignedCookie(event.headers)
  if (!cookie || !safeEqual(await makeSignature(cookie.token, useEnv().BETTER_AUTH_SECRET), cookie.signature)) return undefined
  const row = await useDb().verification.findFirst({ where: { identifier: keyOf(cookie.token) }, select: { value: true } })
  return SessionEndReasonSchema.safeParse(row?.value).data
}
