// `npm run bench`: builds once, serves the production build, drives load from separate autocannon
// processes and prints one table per database, then the revocation propagation delay between two
// instances. Ratios compare rows of the same run. Writes the tables into bench/README.md.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import autocannonRun from 'autocannon'
import { makeSignature } from 'better-auth/crypto'
import { SMTPServer } from 'smtp-server'
import { startRedisServer } from '../tests/support/redis-server'
import { createPostgresDatabase, productionServicesReachable, withDatabase } from '../tests/support/db'
import { freePort, rootDir, startServer, type Backend, type TestServer } from '../tests/support/server'

const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20)
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 200)
const PASSWORD = 'correct horse battery'
/** Alternating pairs per ratio row (at least 5: min, median and max of their ratios are printed). */
const PAIRS = Math.max(5, Number(process.env.BENCH_PAIRS ?? 5))
/** Distinct signed-in sessions of the realistic rows, and seconds of load per run (PAIRS runs: at least 30 s in all). */
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000)
const SPREAD_DURATION = Number(process.env.BENCH_SPREAD_DURATION ?? Math.max(6, Math.ceil(30 / PAIRS)))
/** `--write`: put the tables into bench/README.md (otherwise no tracked file changes). */
const WRITE = process.argv.includes('--write')
/** `--ports 4300-4399` (or BENCH_PORTS): every server of the run listens in that range; otherwise any free port. */
const portsArgument = process.argv.includes('--ports') ? process.argv[process.argv.indexOf('--ports') + 1] : undefined
const portRange = (portsArgument ?? process.env.BENCH_PORTS)?.split('-').map(Number)
if (portRange && (portRange.length !== 2 || !portRange.every(Number.isInteger) || portRange[0]! > portRange[1]!)) throw new Error(`--ports ${portsArgument ?? process.env.BENCH_PORTS}: give a range like 4300-4399`)
let lastPort = portRange ? portRange[0]! - 1 : 0
async function nextPort(): Promise<number> {
  if (!portRange) return freePort()
  if (++lastPort > portRange[1]!) throw new Error(`--ports ${portRange.join('-')}: no port left in the range`)
  return lastPort
}

interface Load { rps: number, p50: number, p99: number, n: number, errors: number, rss: number }

/** Peak resident memory of a process while `work` runs, in MiB (sampled every 50 ms from /proc). */
async function peakRss<T>(pid: number, work: Promise<T>): Promise<[T, number]> {
  let peak = 0
  const sample = () => {
    const kb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0)
    peak = Math.max(peak, kb / 1024)
  }
  const timer = setInterval(sample, 50)
  try {
    const result = await work
    sample()
    return [result, peak]
  }
  finally {
    clearInterval(timer)
  }
}

/** One autocannon run in its own process; its JSON summary. */
function autocannon(url: string, options: { cookie?: string, method?: string, body?: string, connections?: number, rate?: number, duration?: number } = {}) {
  const args = ['node_modules/autocannon/autocannon.js', '-j', '-c', String(options.connections ?? CONNECTIONS), '-d', String(options.duration ?? DURATION)]
  if (options.cookie) args.push('-H', `cookie=${options.cookie}`)
  if (options.method) args.push('-m', options.method)
  if (options.body) args.push('-b', options.body, '-H', 'content-type=application/json', '-H', `origin=${new URL(url).origin}`)
  if (options.rate) args.push('-R', String(options.rate))
  args.push(url)
  return new Promise<{ requests: { average: number, total: number }, latency: { p50: number, p99: number }, non2xx: number, errors: number }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: rootDir, stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.on('exit', code => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited ${code}`))))
  })
}

/** A server the bench loads: ours (TestServer) or a reference in bench/reference/. */
interface Served { url: string, pid: number }

async function load(server: Served, path: string, options: Parameters<typeof autocannon>[1] = {}): Promise<Load> {
  await autocannon(server.url + path, { ...options, duration: 1 }) // warm-up
  const [r, rss] = await peakRss(server.pid, autocannon(server.url + path, options))
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, n: r.requests.total, errors: r.non2xx + r.errors, rss }
}

interface Paired { ours: Load, base: Load, ratios: number[], runs: { ours: Load, base: Load }[] }
/**
 * PAIRS alternating runs of `base` then `ours`: on a two-core machine the load generator and the
 * server share the CPU and single runs wander, so each ratio is taken within its pair. The loads
 * kept are those of the median pair.
 */
async function paired(ours: () => Promise<Load>, base: () => Promise<Load>): Promise<Paired> {
  const runs: { ours: Load, base: Load, ratio: number }[] = []
  for (let i = 0; i < PAIRS; i++) {
    const b = await base()
    const o = await ours()
    runs.push({ ours: o, base: b, ratio: o.rps / b.rps })
  }
  const sorted = [...runs].sort((x, y) => x.ratio - y.ratio)
  const median = sorted[Math.floor(sorted.length / 2)]!
  return { ours: median.ours, base: median.base, ratios: runs.map(r => r.ratio), runs }
}

/** A reference server in a process of its own (a script of bench/reference/, or a built server), listening once it says so. */
async function startReference(script: string, env: Record<string, string> = {}): Promise<Served & { stop: () => Promise<void> }> {
  const port = await nextPort()
  const args = script.endsWith('.mjs') ? [script] : ['node_modules/jiti/lib/jiti-cli.mjs', `bench/reference/${script}.ts`]
  const child = spawn(process.execPath, args, { cwd: rootDir, env: { ...process.env, ...env, PORT: String(port), NITRO_HOST: '127.0.0.1', NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', chunk => /listening/i.test(String(chunk)) && resolve())
    child.once('exit', code => reject(new Error(`${script} exited ${code}`)))
  })
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill()
    }),
  }
}

async function signUp(server: TestServer, email = `bench-${randomBytes(6).toString('hex')}@example.com`) {
  const response = await fetch(`${server.url}/api/auth/sign-up/email`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.url },
    body: JSON.stringify({ name: 'Bench', email, password: PASSWORD }),
  })
  if (!response.ok) throw new Error(`sign-up failed: ${response.status}`)
  // Every cookie, so the cookie-cache server gets its signed session_data cookie too.
  const cookie = response.headers.getSetCookie().map(c => c.split(';')[0]).join('; ')
  // Signed-in pages wait for onboarding; a bench user has done it.
  const onboarded = await fetch(`${server.url}/api/account/onboarding`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.url, cookie },
    body: JSON.stringify({ displayName: 'Bench', timeZone: 'UTC' }),
  })
  if (!onboarded.ok) throw new Error(`onboarding failed: ${onboarded.status}`)
  return { email, cookie }
}

/**
 * `count` users, each signed in once, written straight into the database (sign-up would take
 * minutes at argon2id's cost): their session cookies, signed with the server's secret as
 * better-auth signs them. Onboarded, so every protected route answers them.
 */
async function seedSessions(server: TestServer, secret: string, count: number): Promise<string[]> {
  const now = Date.now()
  const created = new Date(now)
  const expires = new Date(now + 7 * 86400_000)
  const tokens: string[] = []
  await withDatabase(server.databaseUrl, async (sql) => {
    for (let start = 0; start < count; start += 500) {
      const users: unknown[] = []
      const sessions: unknown[] = []
      const size = Math.min(500, count - start)
      for (let i = 0; i < size; i++) {
        const id = `seed-${randomBytes(9).toString('base64url')}`
        const token = randomBytes(24).toString('base64url')
        tokens.push(token)
        users.push(id, 'Bench', `${id}@example.com`, true, 'user', false, 'Bench', 'UTC', created, false, created, created)
        sessions.push(`${id}-s`, token, expires, '127.0.0.1', 'bench', id, created, created)
      }
      const rows = (columns: number) => Array.from({ length: size }, () => `(${Array(columns).fill('?').join(',')})`).join(',')
      await sql.run(`INSERT INTO "user" ("id","name","email","emailVerified","role","banned","displayName","timeZone","onboardedAt","twoFactorEnabled","createdAt","updatedAt") VALUES ${rows(12)}`, users)
      await sql.run(`INSERT INTO "session" ("id","token","expiresAt","ipAddress","userAgent","userId","createdAt","updatedAt") VALUES ${rows(8)}`, sessions)
    }
  })
  return Promise.all(tokens.map(async token => `better-auth.session_token=${encodeURIComponent(`${token}.${await makeSignature(token, secret)}`)}`))
}

/** Picks an index below `n`: uniformly, or Zipf-distributed (s = 1: the k-th most used session is asked 1/k as often as the first). */
function picker(n: number, spread: 'uniform' | 'zipf'): () => number {
  if (spread === 'uniform') return () => Math.floor(Math.random() * n)
  const cumulative = new Float64Array(n)
  let total = 0
  for (let k = 0; k < n; k++) cumulative[k] = total += 1 / (k + 1)
  return () => {
    const target = Math.random() * total
    let low = 0
    let high = n - 1
    while (low < high) {
      const middle = (low + high) >> 1
      if (cumulative[middle]! < target) low = middle + 1
      else high = middle
    }
    return low
  }
}

/**
 * Load where every request carries one of `cookies`, picked by `pick` (autocannon in this process,
 * as for both sides of a pair), after a 1 s warm-up unless `warmUp` is false.
 */
async function spreadLoad(server: Served, path: string, cookies: string[], pick: () => number, { duration = SPREAD_DURATION, warmUp = true } = {}): Promise<Load> {
  const run = (seconds: number) => autocannonRun({
    url: server.url + path, connections: CONNECTIONS, duration: seconds,
    requests: [{ setupRequest: request => ({ ...request, headers: { ...request.headers, cookie: cookies[pick()]! } }) }],
  })
  if (warmUp) await run(1)
  const [r, rss] = await peakRss(server.pid, run(duration))
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, n: r.requests.total, errors: r.non2xx + r.errors + r.timeouts, rss }
}

interface CacheStats { hits: number, misses: number }
const cacheStats = async (server: Served): Promise<CacheStats> => (await (await fetch(`${server.url}/api/bench/cache`)).json()).data
const hitRatio = (before: CacheStats, after: CacheStats) => {
  const hits = after.hits - before.hits
  return `${(100 * hits / Math.max(1, hits + after.misses - before.misses)).toFixed(1)}%`
}

/** Polls `server`'s /api/me with `cookie` back to back until it answers 401: ms since `since`. */
async function msUntilRefused(server: Served, cookie: string, since: number): Promise<number> {
  while ((await fetch(`${server.url}/api/me`, { headers: { cookie } })).status !== 401) {
    if (performance.now() - since > 5000) throw new Error(`${server.url} still accepted an ended session 5 s on`)
  }
  return performance.now() - since
}

/** Deletes the sessions of `email` with SQL, as an operator would (another connection than the app's). */
const deleteSessionsOf = (databaseUrl: string, email: string) =>
  withDatabase(databaseUrl, sql => sql.run('DELETE FROM "session" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email]))

/** Count, p50, p99 and max of some delays in ms. */
function delaySummary(values: number[]) {
  const sorted = [...values].sort((x, y) => x - y)
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1)! }
}

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`
const row = (name: string, l: Load, base?: Load) => ({
  name, ...l, ratio: base ? percent(l.rps / base.rps) : '',
  p99x: base ? `${(l.p99 / Math.max(base.p99, 1)).toFixed(1)}x` : '',
})
/** A row whose ratio is the median of PAIRS pairs, with their min and max beside it. */
const pairedRow = (name: string, p: Pick<Paired, 'ours' | 'base' | 'ratios'>) => {
  const sorted = [...p.ratios].sort((x, y) => x - y)
  return { ...row(name, p.ours, p.base), ratio: `${percent(sorted[Math.floor(sorted.length / 2)]!)} (${percent(sorted[0]!)}–${percent(sorted.at(-1)!)})` }
}

/** A real SMTP server on loopback that accepts and drops every message: reset mail crosses a real connection. */
async function sink() {
  const server = new SMTPServer({ authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, onData: (stream, _s, done) => stream.on('end', () => done()).resume() })
  // A client that drops its connection (the app stopping mid-send) is not a bench failure.
  server.on('error', () => {})
  const port = await freePort()
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', () => resolve()))
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>(resolve => server.close(() => resolve())) }
}

type References = Awaited<ReturnType<typeof startReferences>>
/** The reference servers, and a signed-in cookie of plain better-auth's. */
async function startReferences() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-reference-'))
  const built = spawnSync(process.execPath, ['node_modules/jiti/lib/jiti-cli.mjs', 'bench/reference/build-nitro.ts', join(dir, 'nitro')], { cwd: rootDir, stdio: 'inherit' })
  if (built.status !== 0) throw new Error('bench/reference/build-nitro.ts failed')
  const nuxtBuilt = spawnSync(process.execPath, ['node_modules/nuxt/bin/nuxt.mjs', 'build', 'bench/reference/nuxt'], { cwd: rootDir, stdio: 'inherit', env: { ...process.env, BENCH_NUXT_OUTPUT: join(dir, 'nuxt') } })
  if (nuxtBuilt.status !== 0) throw new Error('building bench/reference/nuxt failed')
  const nitro = await startReference(join(dir, 'nitro/server/index.mjs'))
  const nuxt = await startReference(join(dir, 'nuxt/server/index.mjs'))
  const h3 = await startReference('h3-json')
  // Plain better-auth on each database the app is measured on, with a signed-in cookie of its own.
  const plainBetterAuth = async (database: string) => {
    const server = await startReference('better-auth', { DATABASE: database })
    const response = await fetch(`${server.url}/api/auth/sign-up/email`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.url },
      body: JSON.stringify({ name: 'Bench', email: 'bench@example.com', password: PASSWORD }),
    })
    if (!response.ok) throw new Error(`reference sign-up failed: ${response.status}`)
    return Object.assign(server, { cookie: response.headers.getSetCookie().map(c => c.split(';')[0]).join('; ') })
  }
  const betterAuth = { sqlite: await plainBetterAuth(join(dir, 'reference.db')) } as Partial<Record<Backend, Awaited<ReturnType<typeof plainBetterAuth>>>>
  const postgres = missing ? undefined : await createPostgresDatabase('bench_reference')
  if (postgres) betterAuth.postgres = await plainBetterAuth(postgres.url)
  return {
    nitro, nuxt, h3, betterAuth,
    stop: async () => {
      await nitro.stop()
      await nuxt.stop()
      await h3.stop()
      for (const server of Object.values(betterAuth)) await server.stop()
      await postgres?.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function benchBackend(backend: Backend, references: References) {
  // No Redis here, so the getSession rows measure the database itself. Limits off: the sign-in row
  // drives sign-ins from one address as fast as they go (the one use RATE_LIMIT=false is for).
  const smtp = await sink()
  const env = { BENCH_ROUTES: 'true', SESSION_CACHE_TTL: '5', REDIS_URL: '', SMTP_URL: smtp.url, RATE_LIMIT: 'false' }
  const secret = randomBytes(32).toString('base64')
  const app = await startServer({ ...env, BETTER_AUTH_SECRET: secret, PORT: String(await nextPort()) }, { backend })
  const cached = await startServer({ ...env, SESSION_COOKIE_CACHE: '300', PAGE_CACHE_TTL: '0', PORT: String(await nextPort()) }, { backend })
  try {
    const { cookie, email } = await signUp(app)
    const cachedUser = await signUp(cached)
    // Each ratio within pairs of runs, base then ours: ours against the framework's bare route,
    // the fast path against our unprotected route, our slow path against plain better-auth's default.
    const open = () => load(app, '/api/bench/open')
    const openVsNitro = await paired(open, () => load(references.nitro, '/json'))
    const openVsNuxt = await paired(open, () => load(references.nuxt, '/json'))
    const h3 = await load(references.h3, '/json')
    const fastVsOpen = await paired(() => load(app, '/api/bench/fast', { cookie }), open)
    const plain = references.betterAuth[backend]!
    const slowVsPlain = await paired(() => load(app, '/api/bench/database', { cookie }), () => load(plain, '/api/auth/get-session', { cookie: plain.cookie }))
    const rows = [
      row('reference: h3 alone, one JSON route (bench/reference/h3-json.ts)', h3),
      row('reference: minimal Nitro app, one JSON route (bench/reference/nitro)', openVsNitro.base, h3),
      row('reference: minimal Nuxt 4 app, one JSON server route (bench/reference/nuxt)', openVsNuxt.base, openVsNitro.base),
      pairedRow('unprotected JSON route, vs. minimal Nitro', openVsNitro),
      pairedRow('unprotected JSON route, vs. minimal Nuxt', openVsNuxt),
      pairedRow('protected, fast path: requireSession, vs. unprotected', fastVsOpen),
      row(`reference: plain better-auth get-session, defaults, on ${backend === 'postgres' ? 'PostgreSQL (pg Pool)' : 'SQLite (better-sqlite3)'} (bench/reference/better-auth.ts)`, slowVsPlain.base),
      pairedRow('protected, slow path: auth.api.getSession, vs. plain better-auth', slowVsPlain),
      row('protected, getSession + cookie cache (300 s), vs. unprotected', await load(cached, '/api/bench/database', { cookie: cachedUser.cookie }), fastVsOpen.base),
    ]
    // Many users at once: each request one of SESSIONS sessions, spread uniformly or Zipf-skewed,
    // PAIRS × SPREAD_DURATION s of it (the cache as a real day finds it, misses and all).
    const cookies = await seedSessions(app, secret, SESSIONS)
    // Every user seen once (a day's first request each, 20 at a time), as the cache is in steady state.
    for (let next = 0; next < cookies.length;) {
      await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
        while (next < cookies.length) {
          const response = await fetch(`${app.url}/api/bench/fast`, { headers: { cookie: cookies[next++]! } })
          if (!response.ok) throw new Error(`a seeded session was refused: ${response.status}`)
          await response.arrayBuffer()
        }
      }))
    }
    for (const spread of ['uniform', 'zipf'] as const) {
      const pick = picker(cookies.length, spread)
      const before = await cacheStats(app)
      const spreadVsOpen = await paired(() => spreadLoad(app, '/api/bench/fast', cookies, pick), () => spreadLoad(app, '/api/bench/open', cookies, pick))
      const hits = hitRatio(before, await cacheStats(app))
      const label = `protected, ${SESSIONS.toLocaleString('en-US')} sessions each seen once, then ${spread === 'uniform' ? 'uniformly spread' : 'Zipf-skewed'} (${PAIRS} × ${SPREAD_DURATION} s, cache hits ${hits})`
      rows.push(pairedRow(`${label}, vs. unprotected`, spreadVsOpen))
      // Its runs against plain better-auth's (above), the i-th with the i-th.
      const plainRatios = spreadVsOpen.runs.map((run, i) => run.ours.rps / slowVsPlain.runs[i]!.base.rps)
      rows.push(pairedRow(`${label}, vs. plain better-auth get-session`, { ours: spreadVsOpen.ours, base: slowVsPlain.base, ratios: plainRatios }))
    }
    const publicPage = await load(app, '/login')
    rows.push(row('SSR public page (/login), no cookie, kept for PAGE_CACHE_TTL', publicPage))
    const rendered = await load(cached, '/')
    rows.push(row('SSR home page (/), no cookie, every request rendered (PAGE_CACHE_TTL=0)', rendered))
    rows.push(row('SSR home page (/), no cookie, kept for PAGE_CACHE_TTL (10 s)', await load(app, '/'), rendered))
    rows.push(row('SSR /dashboard, signed in', await load(app, '/dashboard', { cookie }), publicPage))
    const body = JSON.stringify({ email, password: PASSWORD })
    rows.push(row('sign-in (argon2id password check, one at a time per spare core)', await load(app, '/api/auth/sign-in/email', { method: 'POST', body, connections: 8 })))
    // Sign-ins at full rate, and at the same time a protected route at 50 requests/s: its p99 is the point.
    const [, during] = await Promise.all([
      load(app, '/api/auth/sign-in/email', { method: 'POST', body, connections: 8 }),
      load(app, '/api/bench/fast', { cookie, connections: 1, rate: 50 }),
    ])
    rows.push(row('protected route while sign-ins run', during))
    // Whether an address has an account must not show in the time a reset request takes, as a
    // prober sending one request at a time sees it (the mail goes out after the answer; both
    // answer no sooner than ACCOUNT_BLIND_ANSWER_MS).
    const reset = (address: string) => load(app, '/api/auth/request-password-reset', { method: 'POST', body: JSON.stringify({ email: address }), connections: 1 })
    const unknown = await reset('nobody@example.com')
    rows.push(row('password reset request, unknown address (one at a time)', unknown))
    rows.push(row('password reset request, known address, mail sent (one at a time)', await reset(email), unknown))
    return rows
  }
  finally {
    await app.stop()
    await cached.stop()
    await smtp.close()
  }
}

/** Two instances on one PostgreSQL + Redis: ms from a sign-out answered by B to A's first 401. */
async function propagation() {
  const database = await createPostgresDatabase('bench')
  const env = { BETTER_AUTH_SECRET: randomBytes(32).toString('base64'), RATE_LIMIT: 'false' }
  const a = await startServer({ ...env, PORT: String(await nextPort()) }, { backend: 'postgres', databaseUrl: database.url })
  const b = await startServer({ ...env, PORT: String(await nextPort()) }, { backend: 'postgres', databaseUrl: database.url })
  const me = (cookie: string) => fetch(`${a.url}/api/me`, { headers: { cookie } }).then(r => r.status)
  const delays: Record<'bus' | 'sql', number[]> = { bus: [], sql: [] }
  try {
    for (let i = 0; i < REVOCATIONS; i++) {
      const { cookie, email } = await signUp(a)
      await me(cookie)
      await me(cookie)
      if (i % 2 === 0) {
        const response = await fetch(`${b.url}/api/auth/sign-out`, { method: 'POST', headers: { cookie, 'origin': b.url, 'content-type': 'application/json' }, body: '{}' })
        if (!response.ok) throw new Error(`sign-out failed: ${response.status}`)
        delays.bus.push(await msUntilRefused(a, cookie, performance.now()))
      }
      else {
        await deleteSessionsOf(database.url, email)
        delays.sql.push(await msUntilRefused(a, cookie, performance.now()))
      }
    }
  }
  finally {
    await a.stop()
    await b.stop()
    await database.drop()
  }
  return Object.entries(delays).map(([how, values]) => ({
    how: how === 'bus' ? 'sign-out on B (better-auth, Redis pub/sub)' : 'row deleted with SQL (trigger, LISTEN/NOTIFY)',
    ...delaySummary(values),
  }))
}

/**
 * SQLite: ms from a session's row deleted by another connection (the `sqlite3` shell, a script)
 * to the app's first 401 for that session, which it had cached, polling back to back.
 */
async function sqliteWatch() {
  const server = await startServer({ RATE_LIMIT: 'false', PORT: String(await nextPort()) }, { backend: 'sqlite' })
  const me = (cookie: string) => fetch(`${server.url}/api/me`, { headers: { cookie } }).then(r => r.status)
  const delays: number[] = []
  try {
    for (let i = 0; i < REVOCATIONS / 2; i++) {
      const { cookie, email } = await signUp(server)
      if (await me(cookie) !== 200 || await me(cookie) !== 200) throw new Error('a new session was refused')
      // Timed from the commit: better-sqlite3 commits before run() returns, closing takes longer.
      let committed = 0
      await withDatabase(server.databaseUrl, async (sql) => {
        await sql.run('DELETE FROM "session" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email])
        committed = performance.now()
      })
      delays.push(await msUntilRefused(server, cookie, committed))
    }
  }
  finally {
    await server.stop()
  }
  return delaySummary(delays)
}

/**
 * Revocation under load: A answers one cookie as fast as WORKERS clients can ask (keep-alive,
 * loopback) while B signs it out. Per round: ms from B's answer to A's first 401 (zero or less:
 * A refused before B's answer was read), and how many 200s A gave to requests sent after B's answer.
 */
async function revocationUnderLoad() {
  const ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? 100)
  const WORKERS = 16
  const database = await createPostgresDatabase('bench_load')
  const env = { BETTER_AUTH_SECRET: randomBytes(32).toString('base64'), RATE_LIMIT: 'false' }
  const a = await startServer({ ...env, PORT: String(await nextPort()) }, { backend: 'postgres', databaseUrl: database.url })
  const b = await startServer({ ...env, PORT: String(await nextPort()) }, { backend: 'postgres', databaseUrl: database.url })
  const delays: number[] = []
  const late: number[] = []
  let requests = 0
  let loadMs = 0
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const { cookie } = await signUp(a)
      let answeredAt = Number.POSITIVE_INFINITY
      let first401 = Number.POSITIVE_INFINITY
      let lateHere = 0
      const begun = performance.now()
      const worker = async () => {
        for (;;) {
          const sent = performance.now()
          const response = await fetch(`${a.url}/api/me`, { headers: { cookie } })
          await response.arrayBuffer()
          requests++
          if (response.status === 401) {
            first401 = Math.min(first401, performance.now())
            return
          }
          if (sent > answeredAt) lateHere++
          if (performance.now() - begun > 5000) throw new Error('A still answered 200 five seconds on')
        }
      }
      const workers = Array.from({ length: WORKERS }, worker)
      await new Promise(resolve => setTimeout(resolve, 150))
      const signOut = await fetch(`${b.url}/api/auth/sign-out`, { method: 'POST', headers: { cookie, 'origin': b.url, 'content-type': 'application/json' }, body: '{}' })
      answeredAt = performance.now()
      if (!signOut.ok) throw new Error(`sign-out failed: ${signOut.status}`)
      await Promise.all(workers)
      loadMs += performance.now() - begun
      delays.push(first401 - answeredAt)
      late.push(lateHere)
    }
  }
  finally {
    await a.stop()
    await b.stop()
    await database.drop()
  }
  const { n, p50, p99, max } = delaySummary(delays)
  return { rounds: n, rps: requests / (loadMs / 1000), p50, p99, max, late: late.reduce((x, y) => x + y, 0), lateRounds: late.filter(n => n > 0).length }
}

/**
 * Redis frozen (SIGSTOP: connected, not answering) against Redis answering, the same load each: a
 * random one of 40 sessions per request, with the in-process cache as configured by default
 * (with LISTEN up, a session goes back to Redis only when its refresh is due), and without it
 * (every request reads the session's copy in Redis, or the database once Redis counts as down:
 * the worst case).
 */
async function redisFrozen(cacheTtl: string) {
  const redis = await startRedisServer()
  const server = await startServer({ REDIS_URL: redis.url, SESSION_CACHE_TTL: cacheTtl, RATE_LIMIT: 'false', PORT: String(await nextPort()) }, { backend: 'postgres' })
  try {
    const cookies: string[] = []
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${server.url}/api/auth/sign-up/email`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'origin': server.url },
        body: JSON.stringify({ name: 'Bench', email: `frozen-${randomBytes(6).toString('hex')}@example.com`, password: PASSWORD }),
      })
      cookies.push(response.headers.getSetCookie().map(c => c.split(';')[0]).join('; '))
    }
    // No warm-up in the frozen run: the requests that first find Redis frozen are the point.
    const run = () => spreadLoad(server, '/api/session', cookies, picker(cookies.length, 'uniform'), { duration: DURATION, warmUp: false })
    await autocannonRun({ url: `${server.url}/api/session`, connections: CONNECTIONS, duration: 1 })
    const answering = await run()
    redis.freeze()
    const frozen = await run().finally(() => redis.thaw())
    const cache = cacheTtl === '0' ? 'no in-process cache' : 'in-process cache (defaults)'
    return [row(`${cache}: Redis answering`, answering), row(`${cache}: Redis frozen (its misses go to the database)`, frozen, answering)]
  }
  finally {
    await server.stop()
    await redis.stop()
  }
}

const f = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1))

function markdown(tables: { backend: string, rows: ReturnType<typeof row>[] }[], delays: Awaited<ReturnType<typeof propagation>> | string, underLoad: Awaited<ReturnType<typeof revocationUnderLoad>> | string, memory: string, watch: Awaited<ReturnType<typeof sqliteWatch>> | string) {
  const lines = [`Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. `
    + `${CONNECTIONS} connections (8 for sign-in, 1 for password reset), ${DURATION} s per row after a 1 s warm-up, loopback. A ratio row names its baseline; "median, min–max" is over ${PAIRS} alternating pairs (baseline, then ours). n: requests behind each p99.`, '']
  for (const { backend, rows } of tables) {
    lines.push(`### ${backend}`, '', '| scenario | requests/s | p50 ms | p99 ms | n | peak RSS MiB | vs. baseline req/s (median, min–max) | vs. baseline p99 | non-2xx |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const r of rows) lines.push(`| ${r.name} | ${f(r.rps)} | ${r.p50} | ${r.p99} | ${r.n.toLocaleString('en-US')} | ${Math.round(r.rss)} | ${r.ratio} | ${r.p99x} | ${r.errors} |`)
    lines.push('')
  }
  lines.push('### Revocation propagation between two instances (PostgreSQL + Redis)', '')
  if (typeof delays === 'string') lines.push(delays)
  else {
    lines.push('| how the session ended | revocations | p50 ms | p99 ms | max ms |', '|---|---:|---:|---:|---:|')
    for (const d of delays) lines.push(`| ${d.how} | ${d.n} | ${d.p50.toFixed(1)} | ${d.p99.toFixed(1)} | ${d.max.toFixed(1)} |`)
  }
  lines.push('', '### Revocation under load: A answers the cookie at full rate while B signs it out', '')
  if (typeof underLoad === 'string') lines.push(underLoad)
  else {
    lines.push('| rounds | A\'s rate on the cookie, req/s | B\'s answer to A\'s first 401: p50 ms | p99 ms | max ms | 200s A gave to requests sent after B\'s answer | rounds with any |', '|---:|---:|---:|---:|---:|---:|---:|')
    lines.push(`| ${underLoad.rounds} | ${f(underLoad.rps)} | ${underLoad.p50.toFixed(1)} | ${underLoad.p99.toFixed(1)} | ${underLoad.max.toFixed(1)} | ${underLoad.late} | ${underLoad.lateRounds} |`)
  }
  lines.push('', '### SQLite: a row deleted by another connection, to the first 401 for its cached session', '')
  if (typeof watch === 'string') lines.push(watch)
  else lines.push('| deletions | p50 ms | p99 ms | max ms |', '|---:|---:|---:|---:|', `| ${watch.n} | ${watch.p50.toFixed(1)} | ${watch.p99.toFixed(1)} | ${watch.max.toFixed(1)} |`)
  lines.push('', '### The session cache in memory (heap after a full GC)', '', memory)
  return lines.join('\n')
}

if (process.env.BENCH_SKIP_BUILD !== '1') {
  const build = spawnSync(process.execPath, ['node_modules/nuxt/bin/nuxt.mjs', 'build'], { cwd: rootDir, stdio: 'inherit' })
  if (build.status !== 0) process.exit(1)
}
const missing = await productionServicesReachable()
/** BENCH_ONLY=sqlite,postgres,propagation,load,frozen,memory,watch runs those parts only. */
const only = process.env.BENCH_ONLY?.split(',')
const wanted = (part: string) => !only || only.includes(part)
const notAsked = 'Not run (BENCH_ONLY).'
const tables: { backend: string, rows: ReturnType<typeof row>[] }[] = []
const references = await startReferences()
try {
  if (wanted('sqlite')) tables.push({ backend: 'SQLite (embedded default)', rows: await benchBackend('sqlite', references) })
  if (!missing && wanted('postgres')) tables.push({ backend: 'PostgreSQL', rows: await benchBackend('postgres', references) })
}
finally {
  await references.stop()
}
const delays = missing ? `Skipped: ${missing}` : wanted('propagation') ? await propagation() : notAsked
const underLoad = missing ? `Skipped: ${missing}` : wanted('load') ? await revocationUnderLoad() : notAsked
if (!missing && wanted('frozen')) tables.push({ backend: 'PostgreSQL + Redis: Redis answering, then frozen (SIGSTOP)', rows: [...await redisFrozen('5'), ...await redisFrozen('0')] })
let memory = notAsked
if (wanted('memory')) {
  const measured = spawnSync(process.execPath, ['--expose-gc', 'node_modules/jiti/lib/jiti-cli.mjs', 'bench/cache-memory.ts'], { cwd: rootDir, encoding: 'utf8' })
  if (measured.status !== 0) throw new Error(`bench/cache-memory.ts failed: ${measured.stderr}`)
  memory = measured.stdout.trim()
}
const watch = wanted('watch') ? await sqliteWatch() : notAsked
const table = markdown(tables, delays, underLoad, memory, watch)
console.log(`\n${table}\n`)
if (missing) console.warn(`PostgreSQL rows skipped: ${missing}`)

if (WRITE) {
  const readme = `${rootDir}bench/README.md`
  const text = readFileSync(readme, 'utf8')
  const start = '<!-- bench:start -->'
  const end = '<!-- bench:end -->'
  writeFileSync(readme, `${text.slice(0, text.indexOf(start) + start.length)}\n${table}\n${text.slice(text.indexOf(end))}`)
  console.log('Wrote the tables into bench/README.md.')
}
