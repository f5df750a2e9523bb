import { createHash } from 'node:crypto'
import { hashPassword } from 'better-auth/crypto'
import { beforeEach, describe, expect, it, vi } from 'vitest'

const updateMany = vi.fn(async (_args: { where: { providerId: string, password: string }, data: { password: string } }) => ({ count: 1 }))
const pendingUpdated = vi.fn(async (_args: { where: { value: string }, data: { value: string } }) => ({ count: 1 }))
vi.mock('../../server/platform/db', () => ({ useDb: () => ({ account: { updateMany }, verification: { updateMany: pendingUpdated } }) }))

const { passwordHasher } = await import('../../server/auth/password')
const password = 'correct horse battery'

describe('passwords (auth/password.ts)', () => {
  beforeEach(() => updateMany.mockClear())

  it('hashes new passwords with argon2id at OWASP\'s first choice: 19 MiB, 2 passes, 1 lane', async () => {
    const hash = await passwordHasher.hash(password)
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(await passwordHasher.verify({ hash, password })).toBe(true)
    expect(await passwordHasher.verify({ hash, password: 'wrong password' })).toBe(false)
    expect(updateMany).not.toHaveBeenCalled()
  })

  it('accepts better-auth\'s scrypt hashes of before, and rehashes one with argon2id once its password verifies', async () => {
    const old = await hashPassword(password)
    expect(await passwordHasher.verify({ hash: old, password: 'wrong password' })).toBe(false)
    expect(updateMany).not.toHaveBeenCalled()

    expect(await passwordHasher.verify({ hash: old, password })).toBe(true)
    expect(updateMany).toHaveBeenCalledTimes(1)
    const [{ where, data }] = updateMany.mock.calls[0]!
    expect(where).toEqual({ providerId: 'credential', password: old })
    expect(data.password).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(await passwordHasher.verify({ hash: data.password, password })).toBe(true)
    // A sign-in waiting for its second factor rests on the same password: its kept fingerprint follows the new hash.
    const [{ where: pending, data: moved }] = pendingUpdated.mock.calls[0]!
    expect(pending.value).not.toBe(moved.value)
    expect(moved.value).toBe(createHash('sha256').update(data.password).digest('base64url'))
  })
})
