import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { z } from 'zod'
import { DATABASE_URL_FORMAT, DEFAULT_DATABASE_URL, databaseProvider } from './database-url.mjs'
import { parseTrustedProxies, type TrustedProxies } from './client-ip'

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback)
const flag = (fallback: boolean) => z.enum(['true', 'false', '1', '0', 'on', 'off']).default(fallback ? 'true' : 'false')
  .transform(v => ['true', '1', 'on'].includes(v))
const origins = z.string().default('').transform(v => v.split(',').map(o => o.trim()).filter(Boolean))
  .pipe(z.array(z.url({ protocol: /^https?$/ })
    .refine(o => !o.includes('*'), 'must list exact origins: no wildcards')
    .refine(o => new URL(o).origin === o, 'must be a bare origin like https://app.example.com')))

/** The settings the browser gets too, with their defaults (nuxt.config.ts builds with these). */
export const BROWSER_DEFAULTS = { SESSION_POLL_INTERVAL: 300, SESSION_WARN_BEFORE: 120 }

/**
 * The browser's runtime config (`useRuntimeConfig().public`) from these settings. At start-up the
 * server sets it from the validated configuration (server/plugins/0.validate-env.ts).
 */
export function browserConfig(env: typeof BROWSER_DEFAULTS) {
  return { sessionPollInterval: env.SESSION_POLL_INTERVAL, sessionWarnBefore: env.SESSION_WARN_BEFORE }
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  DATABASE_URL: z.string().default(DEFAULT_DATABASE_URL).refine(v => databaseProvider(v) !== undefined, `must be ${DATABASE_URL_FORMAT}`),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  SESSION_CACHE_TTL: z.coerce.number().int().min(0).max(3600).default(5),
  SESSION_CACHE_MAX: z.coerce.number().int().min(0).default(10_000),
  SESSION_COOKIE_CACHE: z.coerce.number().int().min(0).default(0),
  PAGE_CACHE_TTL: z.coerce.number().int().min(0).max(3600).default(10),
  BENCH_ROUTES: flag(false),
  BETTER_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  BETTER_AUTH_URL: z.url({ protocol: /^https?$/ }).optional(),
  TRUSTED_ORIGINS: origins,
  CORS_ORIGINS: origins,
  ADMIN_EMAILS: z.string().default('').transform(v => v.split(',').map(e => e.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.email('must list email addresses'))),
  // Behind reverse proxies: `true` (one), a count of them, or their addresses (`loopback`, CIDR ranges).
  TRUST_PROXY: z.string().default('false').transform((v, ctx) => {
    const proxies = parseTrustedProxies(v)
    if (typeof proxies === 'string') ctx.addIssue({ code: 'custom', message: `must be true, false, a number of proxies or their addresses: ${proxies}` })
    return proxies as TrustedProxies
  }),
  RATE_LIMIT: flag(true),
  SESSION_EXPIRES_IN: seconds(604800),
  SESSION_UPDATE_AGE: seconds(86400),
  SESSION_POLL_INTERVAL: seconds(BROWSER_DEFAULTS.SESSION_POLL_INTERVAL),
  SESSION_WARN_BEFORE: z.coerce.number().int().min(0).default(BROWSER_DEFAULTS.SESSION_WARN_BEFORE),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  EMAIL_VERIFICATION: z.enum(['optional', 'required']).default('optional'),
  MAIL_FROM: z.string().min(3).default('SessionKit <no-reply@localhost>'),
  SESSION_MAX_AGE: seconds(30 * 86400),
  SESSION_FRESH_AGE: seconds(86400),
  JWT_EXPIRES_IN: seconds(900),
  JWT_ISSUER: z.url().optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWKS_ROTATION_INTERVAL: seconds(30 * 86400),
  JWKS_GRACE_PERIOD: seconds(86400),
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_NAME: z.string().min(1).max(40).default('Single sign-on'),
  REVOCATION_LIST_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
})

export type Env = z.output<typeof EnvSchema> & { BETTER_AUTH_SECRET: string, BETTER_AUTH_URL: string, JWT_ISSUER: string, JWT_AUDIENCE: string }

/** Thrown for invalid configuration; `message` has one line per offending variable. */
export class ConfigError extends Error {}

/** Validates raw environment variables; empty strings count as unset. */
export function parseEnv(source: Record<string, string | undefined>, dataDir = '.data'): Env {
  const raw = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''))
  const result = EnvSchema.safeParse(raw)
  if (!result.success) {
    throw new ConfigError(result.error.issues
      .map(i => `Invalid configuration: ${i.path.join('.')} ${i.message}`).join('\n'))
  }
  const env = result.data
  if (!env.BETTER_AUTH_SECRET && env.NODE_ENV === 'production') {
    throw new ConfigError('Invalid configuration: BETTER_AUTH_SECRET is required in production (at least 32 characters)')
  }
  if (env.NODE_ENV === 'production' && env.EMAIL_VERIFICATION === 'required' && !env.SMTP_URL) {
    throw new ConfigError('Invalid configuration: EMAIL_VERIFICATION=required needs SMTP_URL: nobody could confirm an address, so nobody could sign in')
  }
  if (env.JWKS_GRACE_PERIOD < env.JWT_EXPIRES_IN) {
    throw new ConfigError('Invalid configuration: JWKS_GRACE_PERIOD must be at least JWT_EXPIRES_IN, or tokens signed just before a key rotation stop verifying while still unexpired')
  }
  for (const [a, b] of [['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'], ['OIDC_CLIENT_ID', 'OIDC_ISSUER'], ['OIDC_CLIENT_SECRET', 'OIDC_ISSUER'], ['OIDC_ISSUER', 'OIDC_CLIENT_ID']] as const) {
    if (env[a] && !env[b]) throw new ConfigError(`Invalid configuration: ${b} is required when ${a} is set`)
  }
  const url = env.BETTER_AUTH_URL ?? `http://localhost:${env.PORT}`
  return {
    ...env,
    BETTER_AUTH_SECRET: env.BETTER_AUTH_SECRET ?? devSecret(dataDir),
    BETTER_AUTH_URL: url,
    JWT_ISSUER: env.JWT_ISSUER ?? url,
    JWT_AUDIENCE: env.JWT_AUDIENCE ?? url,
  }
}

/** Development only: a secret generated on first start and kept, so sessions survive restarts. */
function devSecret(dataDir: string): string {
  const file = `${dataDir}/dev-secret`
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const secret = randomBytes(32).toString('base64url')
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  return secret
}

let cached: Env | undefined

/** The validated configuration of this process (parsed once). */
export function useEnv(): Env {
  // A production build is production whatever NODE_ENV says: it never runs on a generated secret.
  cached ??= parseEnv({ ...process.env, NODE_ENV: import.meta.dev ? process.env.NODE_ENV : 'production' })
  return cached
}
