import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, parseEnv } from '../../server/platform/env'

const dirs: string[] = []
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'env-test-'))
  dirs.push(dir)
  return join(dir, '.data')
}
afterEach(() => dirs.splice(0).forEach(d => rmSync(d, { recursive: true, force: true })))

const secret = 's'.repeat(32)

describe('configuration', () => {
  it('needs no variables in development: SQLite, localhost and a generated secret', () => {
    const env = parseEnv({}, dataDir())
    expect(env.DATABASE_URL).toBe('file:./.data/app.db')
    expect(env.BETTER_AUTH_URL).toBe('http://localhost:3000')
    expect(env.SESSION_EXPIRES_IN).toBe(604800)
    expect(env.SESSION_UPDATE_AGE).toBe(86400)
    expect(env.SESSION_POLL_INTERVAL).toBe(300)
    expect(env.SESSION_WARN_BEFORE).toBe(120)
    expect(env.SESSION_MAX_AGE).toBe(2592000)
    expect(env.SESSION_FRESH_AGE).toBe(86400)
    expect(env.BETTER_AUTH_SECRET.length).toBeGreaterThanOrEqual(32)
  })

  it('generates the development secret once and keeps it, readable by the owner only', () => {
    const dir = dataDir()
    const first = parseEnv({}, dir).BETTER_AUTH_SECRET
    expect(parseEnv({}, dir).BETTER_AUTH_SECRET).toBe(first)
    expect(readFileSync(join(dir, 'dev-secret'), 'utf8').trim()).toBe(first)
    expect(statSync(join(dir, 'dev-secret')).mode & 0o077).toBe(0)
  })

  it('requires a secret of at least 32 characters in production', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' }, dataDir())).toThrow(/^Invalid configuration: BETTER_AUTH_SECRET is required/)
    expect(() => parseEnv({ NODE_ENV: 'production', BETTER_AUTH_SECRET: 'short' }, dataDir()))
      .toThrow(/BETTER_AUTH_SECRET must be at least 32 characters/)
    expect(parseEnv({ NODE_ENV: 'production', BETTER_AUTH_SECRET: secret }, dataDir()).BETTER_AUTH_SECRET).toBe(secret)
  })

  it('derives the public URL from PORT when BETTER_AUTH_URL is unset', () => {
    expect(parseEnv({ PORT: '4000', BETTER_AUTH_SECRET: secret }).BETTER_AUTH_URL).toBe('http://localhost:4000')
  })

  it('JWTs: 15 minutes, issued by and for the public URL unless told otherwise; keys outlive the tokens they signed', () => {
    const env = parseEnv({ BETTER_AUTH_SECRET: secret, BETTER_AUTH_URL: 'https://app.example.com' })
    expect(env).toMatchObject({ JWT_EXPIRES_IN: 900, JWT_ISSUER: 'https://app.example.com', JWT_AUDIENCE: 'https://app.example.com' })
    expect(parseEnv({ BETTER_AUTH_SECRET: secret, JWT_AUDIENCE: 'api.example.com' }).JWT_AUDIENCE).toBe('api.example.com')
    expect(() => parseEnv({ BETTER_AUTH_SECRET: secret, JWT_EXPIRES_IN: '3600', JWKS_GRACE_PERIOD: '600' })).toThrow(/JWKS_GRACE_PERIOD must be at least JWT_EXPIRES_IN/)
  })

  it('OAuth providers come in complete sets: a Google id needs its secret, an OIDC issuer its client id', () => {
    expect(() => parseEnv({ BETTER_AUTH_SECRET: secret, GOOGLE_CLIENT_ID: 'id' })).toThrow('Invalid configuration: GOOGLE_CLIENT_SECRET is required when GOOGLE_CLIENT_ID is set')
    expect(() => parseEnv({ BETTER_AUTH_SECRET: secret, OIDC_ISSUER: 'https://sso.example.com' })).toThrow('Invalid configuration: OIDC_CLIENT_ID is required when OIDC_ISSUER is set')
    expect(() => parseEnv({ BETTER_AUTH_SECRET: secret, OIDC_CLIENT_ID: 'id' })).toThrow('Invalid configuration: OIDC_ISSUER is required when OIDC_CLIENT_ID is set')
    expect(() => parseEnv({ BETTER_AUTH_SECRET: secret, OIDC_ISSUER: 'not a url', OIDC_CLIENT_ID: 'id' })).toThrow(/OIDC_ISSUER/)
    expect(parseEnv({ BETTER_AUTH_SECRET: secret, OIDC_ISSUER: 'https://sso.example.com', OIDC_CLIENT_ID: 'id' }).OIDC_NAME).toBe('Single sign-on')
  })

  it('reads lifetimes in seconds and trusted origins as a list', () => {
    const env = parseEnv({
      BETTER_AUTH_SECRET: secret,
      SESSION_EXPIRES_IN: '2592000',
      SESSION_UPDATE_AGE: '604800',
      TRUSTED_ORIGINS: 'https://a.example, https://b.example:8443',
    })
    expect(env.SESSION_EXPIRES_IN).toBe(2592000)
    expect(env.SESSION_UPDATE_AGE).toBe(604800)
    expect(env.TRUSTED_ORIGINS).toEqual(['https://a.example', 'https://b.example:8443'])
  })

  it('selects PostgreSQL by a postgres:// DATABASE_URL and takes REDIS_URL; the cache defaults to 5 s', () => {
    const env = parseEnv({ BETTER_AUTH_SECRET: secret, DATABASE_URL: 'postgres://app@db:5432/app', REDIS_URL: 'redis://cache:6379' })
    expect(env.DATABASE_URL).toBe('postgres://app@db:5432/app')
    expect(env.REDIS_URL).toBe('redis://cache:6379')
    expect(env.SESSION_CACHE_TTL).toBe(5)
    expect(env.SESSION_COOKIE_CACHE).toBe(0)
  })

  it('treats empty values as unset', () => {
    expect(parseEnv({ BETTER_AUTH_SECRET: secret, SESSION_EXPIRES_IN: '' }).SESSION_EXPIRES_IN).toBe(604800)
  })

  it.each([
    ['SESSION_EXPIRES_IN', 'a week'],
    ['SESSION_UPDATE_AGE', '-5'],
    ['SESSION_POLL_INTERVAL', '1.5'],
    ['SESSION_WARN_BEFORE', 'two minutes'],
    ['SESSION_MAX_AGE', '0'],
    ['SESSION_FRESH_AGE', 'soon'],
    ['BETTER_AUTH_URL', 'localhost:3000'],
    ['DATABASE_URL', 'mysql://db'],
    ['TRUSTED_ORIGINS', 'https://a.example/path'],
    ['PORT', '70000'],
    ['REDIS_URL', 'localhost:6379'],
    ['SESSION_CACHE_TTL', '-1'],
    ['SESSION_CACHE_MAX', 'many'],
    ['SESSION_COOKIE_CACHE', '5m'],
  ])('refuses %s=%s with one line naming it', (name, value) => {
    let error: unknown
    try {
      parseEnv({ BETTER_AUTH_SECRET: secret, [name]: value })
    }
    catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const lines = (error as Error).message.split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${name}\\b`))
  })
})
