import { betterAuth } from 'better-auth'
import { memoryAdapter } from 'better-auth/adapters/memory'
import { emailOTP, twoFactor } from 'better-auth/plugins'
import { describe, expect, it } from 'vitest'
import { OTHER_FIRST_FACTORS, secondFactorAfterEveryFirstFactor } from '../../server/auth/two-factor'

// What the app assumes of better-auth's internals, each pinned here so an upgrade that changes
// one fails by name.
describe('better-auth contract', () => {
  it('twoFactor has one after-hook for the password sign-in routes, which the app reuses for every other first factor', () => {
    const plugin = secondFactorAfterEveryFirstFactor(twoFactor())
    const after = plugin.hooks!.after!
    const reused = after.at(-1)!
    expect(after[0]!.matcher({ path: '/sign-in/email' } as never)).toBe(true)
    expect(reused.handler).toBe(after[0]!.handler)
    for (const path of OTHER_FIRST_FACTORS) expect(reused.matcher({ path } as never), path).toBe(true)
    expect(reused.matcher({ path: '/sign-in/email' } as never)).toBe(false)
  })

  it('without its sign-in hook, the app refuses to start rather than let a second factor be skipped', () => {
    const plugin = twoFactor()
    plugin.hooks!.after!.length = 0
    expect(() => secondFactorAfterEveryFirstFactor(plugin)).toThrow(/no longer has its sign-in hook/)
  })

  it('emailOTP offers createVerificationOTP on the server only (a code stored for an unknown address), and routes no such endpoint', () => {
    const auth = betterAuth({
      baseURL: 'http://localhost:3000', secret: 'contract-test-secret-contract-test-secret', database: memoryAdapter({}), logger: { disabled: true },
      plugins: [emailOTP({ sendVerificationOTP: async () => {} })],
    })
    const endpoint = auth.api.createVerificationOTP as unknown as { path?: string, options: { metadata?: { SERVER_ONLY?: boolean } } }
    expect(typeof auth.api.createVerificationOTP).toBe('function')
    expect(endpoint.options.metadata?.SERVER_ONLY ?? !endpoint.path).toBe(true)
  })
})
