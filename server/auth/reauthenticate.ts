import type { BetterAuthPlugin } from 'better-auth'
import { APIError, createAuthEndpoint, sessionMiddleware } from 'better-auth/api'
import { setSessionCookie } from 'better-auth/cookies'
import { z } from 'zod'
import { credentialHash, passwordStillValid } from './password'

/**
 * `auth.api.reauthenticate` (server only; POST /api/sessions/reauthenticate calls it): the password
 * again swaps this session for a fresh one, with a new token and cookie. Not a sign-in: the session
 * already passed any second factor, so none is asked again (a sign-in would answer
 * `twoFactorRedirect` and leave no session at all).
 */
export const reauthenticate = () => ({
  id: 'reauthenticate',
  endpoints: {
    reauthenticate: createAuthEndpoint('/reauthenticate', {
      method: 'POST',
      body: z.object({ password: z.string() }),
      use: [sessionMiddleware],
      metadata: { SERVER_ONLY: true },
    }, async (ctx) => {
      const { session, user } = ctx.context.session
      const before = await credentialHash({ userId: user.id })
      // Throws INVALID_PASSWORD for a wrong password, and for an account that has none.
      await ctx.context.password.checkPassword(user.id, ctx)
      const fresh = await ctx.context.internalAdapter.createSession(user.id)
      // A reset or change meanwhile ended this session and every other: the fresh one goes too.
      if (!await passwordStillValid(user.id, before, ctx.body.password)) {
        await ctx.context.internalAdapter.deleteSession(fresh.token)
        throw new APIError('UNAUTHORIZED', { message: 'The password of this account was changed meanwhile. Sign in with the new password.', code: 'PASSWORD_CHANGED' })
      }
      await setSessionCookie(ctx, { session: fresh, user })
      await ctx.context.internalAdapter.deleteSession(session.token)
      return ctx.json({ status: true })
    }),
  },
}) satisfies BetterAuthPlugin
