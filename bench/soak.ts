// `npm run bench:soak`: SOAK_MINUTES (10) of mixed load on many distinct sessions (SOAK_SESSIONS,
// 5,000), on SQLite and on PostgreSQL + Redis, against the production build. Each session is a
// user of its own, made directly in the database with a cookie signed by the server's secret, so
// setting up costs seconds, not 5,000 password hashes. Every request picks a session at random:
// /api/me, /api/session and the server-rendered /dashboard, 2:1:1. Prints, per minute,
// requests/s, p50 and p99 latency, errors and the server's RSS; then RSS growth after the first
// minute (MiB/min) and the spread of p99 over the minutes. Writes the tables into bench/README.md.
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import autocannon from 'autocannon'
import { makeSignature } from 'better-auth/crypto'
import { connect, productionServicesReachable } from '../tests/support/db'
import { rootDir, startServer, type Backend } from '../tests/support/server'

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10)
const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 5000)
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 20)
const WINDOW_S = Number(process.env.SOAK_WINDOW ?? 60)
const PATHS = ['/api/me', '/api/me', '/api/session', '/dashboard']

interface Minute { minute: number, rps: number, p50: number, p99: number, errors: number, rss: number }

const rssOf = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024

/** SESSIONS onboarded users with one session each, written straight into the database; their cookies. */
async function makeSessions(databaseUrl: string, secret: string): Promise<string[]> {
  const sql = await connect(databaseUrl)
  const cookies: string[] = []
  // better-sqlite3 binds no booleans.
  const flag = (value: boolean) => (databaseUrl.startsWith('file:') ? Number(value) : value)
  try {
    const now = new Date()
    const expires = new Date(now.getTime() + 7 * 86400_000)
    for (let start = 0; start < SESSIONS; start += 250) {
      const users: unknown[] = []
      const sessions: unknown[] = []
      const count = Math.min(250, SESSIONS - start)
      for (let i = 0; i < count; i++) {
        const userId = randomUUID()
        const token = randomBytes(24).toString('base64url')
        users.push(userId, 'Soak', `soak-${userId}@example.com`, flag(false), 'user', flag(false), 'Soak', 'UTC', now, flag(false), now, now)
        sessions.push(randomUUID(), token, expires, '127.0.0.1', 'soak', userId, now, now)
        cookies.push(`better-auth.session_token=${encodeURIComponent(`${token}.${await makeSignature(token, secret)}`)}`)
      }
      const values = (columns: number) => Array.from({ length: count }, () => `(${Array.from({ length: columns }, () => '?').join(', ')})`).join(', ')
      await sql.run(`INSERT INTO "user" ("id", "name", "email", "emailVerified", "role", "banned", "displayName", "timeZone", "onboardedAt", "twoFactorEnabled", "createdAt", "updatedAt") VALUES ${values(12)}`, users)
      await sql.run(`INSERT INTO "session" ("id", "token", "expiresAt", "ipAddress", "userAgent", "userId", "createdAt", "updatedAt") VALUES ${values(8)}`, sessions)
    }
  }
  finally {
    await sql.close()
  }
  return cookies
}

async function soak(backend: Backend): Promise<Minute[]> {
  const secret = randomBytes(32).toString('base64')
  // Limits off: every request comes from one loopback address (the one use RATE_LIMIT=false is for).
  const server = await startServer({ BETTER_AUTH_SECRET: secret, RATE_LIMIT: 'false', ...(backend === 'sqlite' && { REDIS_URL: '' }) }, { backend })
  const minutes: Minute[] = []
  try {
    const cookies = await makeSessions(server.databaseUrl, secret)
    const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!
    for (let minute = 1; minute <= MINUTES; minute++) {
      const result = await autocannon({
        url: server.url,
        connections: CONNECTIONS,
        duration: WINDOW_S,
        requests: [{ setupRequest: request => ({ ...request, path: pick(PATHS), headers: { ...request.headers, cookie: pick(cookies), accept: 'text/html,application/json' } }) }],
      })
      const row = { minute, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + result.timeouts, rss: rssOf(server.pid) }
      minutes.push(row)
      console.log(`${backend} minute ${minute}: ${Math.round(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, errors ${row.errors}, RSS ${row.rss.toFixed(0)} MiB`)
    }
  }
  finally {
    await server.stop()
  }
  return minutes
}

function table(backend: string, minutes: Minute[]) {
  const lines = [`#### ${backend}`, '', '| minute | requests/s | p50 ms | p99 ms | errors | RSS MiB |', '|---:|---:|---:|---:|---:|---:|']
  for (const m of minutes) lines.push(`| ${m.minute} | ${Math.round(m.rps).toLocaleString('en-US')} | ${m.p50} | ${m.p99} | ${m.errors} | ${m.rss.toFixed(0)} |`)
  const after = minutes.slice(1)
  const growth = after.length > 1 ? (after.at(-1)!.rss - after[0]!.rss) / (after.length - 1) : 0
  const p99s = after.map(m => m.p99)
  const spread = p99s.length ? (Math.max(...p99s) - Math.min(...p99s)) / Math.min(...p99s) : 0
  lines.push('', `RSS growth after the first minute: ${growth.toFixed(2)} MiB/min. p99 after the first minute: ${Math.min(...p99s)}-${Math.max(...p99s)} ms (spread ${(spread * 100).toFixed(0)}% of the lowest).`, '')
  return lines.join('\n')
}

if (process.env.BENCH_SKIP_BUILD !== '1') {
  const build = spawnSync(process.execPath, ['node_modules/nuxt/bin/nuxt.mjs', 'build'], { cwd: rootDir, stdio: 'inherit' })
  if (build.status !== 0) process.exit(1)
}
const missing = await productionServicesReachable()
const tables = [table('SQLite (embedded default)', await soak('sqlite'))]
if (missing) console.warn(`PostgreSQL soak skipped: ${missing}`)
else tables.push(table('PostgreSQL + Redis', await soak('postgres')))
const text = [`${MINUTES} × ${WINDOW_S} s, ${SESSIONS.toLocaleString('en-US')} distinct sessions, ${CONNECTIONS} connections, /api/me, /api/session and SSR /dashboard 2:1:1, a random session per request.`, '', ...tables].join('\n')
console.log(`\n${text}`)
const readme = `${rootDir}bench/README.md`
const current = readFileSync(readme, 'utf8')
const [start, end] = ['<!-- soak:start -->', '<!-- soak:end -->']
if (current.includes(start)) writeFileSync(readme, `${current.slice(0, current.indexOf(start) + start.length)}\n${text}\n${current.slice(current.indexOf(end))}`)
else writeFileSync(readme, `${current.trimEnd()}\n\n## Soak: ${MINUTES} minutes of mixed load\n\n\`npm run bench:soak\`.\n\n${start}\n${text}\n${end}\n`)
console.log('Wrote the soak tables into bench/README.md.')
