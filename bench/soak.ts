// `npm run bench:soak`: SOAK_MINUTES (10) of mixed load on many distinct sessions (SOAK_SESSIONS,
// 5,000), on SQLite and on PostgreSQL + Redis, against the production build. The load is steady,
// as users' is: requests arrive independently at SOAK_RATE (200/s in all, a quarter to a half of
// what this 2-core machine serves flat out). A soak asks whether the server stays the same over
// time, which a saturated run hides behind its queue (the throughput is `npm run bench`'s).
// First SOAK_WARMUP seconds (60) flat out, not measured: the JIT and V8's heap settle.
// Each session is a user of its own, made directly in the database with a cookie signed by the
// server's secret, so setting up costs seconds, not 5,000 password hashes. Every request picks a
// session at random: /api/me, /api/session and the server-rendered /dashboard, 2:1:1.
// Prints, per minute: requests/s, p50 and p99 latency, errors; how long the server's event loop
// was blocked (p99 and max, bench/event-loop.cjs), its CPU and its time in garbage collection; its
// RSS (sampled every second: its mean and its peak); and the reference beside it, the time a
// fixed piece of work took in a process of its own (bench/machine-reference.cjs: how fast the
// machine ran that minute). Then RSS growth after the first minute (MiB/min, the least-squares
// slope of the samples), the spread of p99 over the minutes and the reference's. SOAK_LIVE_HEAP=1
// adds the heap in use after a full garbage collection (bench/live-heap.cjs), which tells a leak
// from V8 keeping freed pages. Writes the tables into bench/README.md.
import { randomBytes, randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { spawn, spawnSync } from 'node:child_process'
import { Agent, request as httpRequest } from 'node:http'
import autocannon from 'autocannon'
import { makeSignature } from 'better-auth/crypto'
import { connect, productionServicesReachable } from '../tests/support/db'
import { rootDir, startServer, type Backend } from '../tests/support/server'

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10)
const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 5000)
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 20)
const WINDOW_S = Number(process.env.SOAK_WINDOW ?? 60)
const RATE = Number(process.env.SOAK_RATE ?? 200)
const WARMUP_S = Number(process.env.SOAK_WARMUP ?? 60)
const BACKENDS = (process.env.SOAK_BACKENDS ?? 'sqlite,postgres').split(',')
const LIVE_HEAP = process.env.SOAK_LIVE_HEAP === '1'
const PATHS = ['/api/me', '/api/me', '/api/session', '/dashboard']

interface Minute { minute: number, rps: number, p50: number, p99: number, errors: number, blockedP99: number, blockedMax: number, gcMs: number, gcMaxMs: number, cpuMs: number, referenceMs: number, rss: number, peakRss: number, liveHeap?: number }

/** The machine's speed beside the server (bench/machine-reference.cjs): `take` is the median time of its fixed work since the last take. */
function startReference() {
  const child = spawn(process.execPath, [`${rootDir}bench/machine-reference.cjs`], { stdio: ['ignore', 'pipe', 'inherit'] })
  let durations: number[] = []
  let partial = ''
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop()!
    durations.push(...lines.map(Number))
  })
  return {
    take: () => {
      const sorted = durations.sort((a, b) => a - b)
      durations = []
      return Number((sorted[sorted.length >> 1] ?? Number.NaN).toFixed(2))
    },
    stop: () => child.kill(),
  }
}

/** The server's event loop over the row just ended (bench/event-loop.cjs answers SIGUSR2 on stderr). */
async function eventLoopOf(server: { pid: number, logs: () => string }) {
  const before = server.logs().length
  process.kill(server.pid, 'SIGUSR2')
  for (let tries = 0; tries < 100; tries++) {
    const line = server.logs().slice(before).match(/EVENT_LOOP p99=([\d.]+) max=([\d.]+) gc=(\d+) gcMax=([\d.]+) cpu=(\d+)/)
    if (line) return { blockedP99: Number(line[1]), blockedMax: Number(line[2]), gcMs: Number(line[3]), gcMaxMs: Number(line[4]), cpuMs: Number(line[5]) }
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error('The server did not report its event loop (bench/event-loop.cjs)')
}

/** The server's CPU over a row, in % of one core. */
const cpuPercent = (row: { cpuMs: number }) => (row.cpuMs / (WINDOW_S * 10)).toFixed(0)

const rssOf = (pid: number) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024

/** SESSIONS onboarded users with one session each, written straight into the database; their cookies. */
async function makeSessions(databaseUrl: string, secret: string): Promise<string[]> {
  const sql = await connect(databaseUrl)
  const cookies: string[] = []
  // better-sqlite3 binds no booleans.
  const flag = (value: boolean) => (databaseUrl.startsWith('file:') ? Number(value) : value)
  try {
    // PostgreSQL's columns hold UTC without a zone: an ISO string says so whatever this process's TZ.
    const time = (date: Date) => (databaseUrl.startsWith('file:') ? date : date.toISOString())
    const now = time(new Date())
    const expires = time(new Date(Date.now() + 7 * 86400_000))
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

/**
 * WINDOW_S of requests arriving as users' do, independently (a Poisson process at RATE/s), each
 * sent when it arrives whatever is still in flight, on up to CONNECTIONS kept-alive connections.
 * (autocannon's fixed rate lets each connection send its share of a second as fast as it can,
 * then wait for the next second: all RATE requests in a burst at the top of each second, whose
 * queue would be most of what the latencies measured.)
 */
async function openLoop(base: string, next: () => { path: string, cookie: string }) {
  // fifo: every connection in turn, so none sits idle long enough for the server to close it as it is reused.
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, scheduling: 'fifo' })
  /** Milliseconds from arrival to the end of the answer, by path. */
  const byPath = new Map<string, number[]>()
  /** What went wrong, by kind ("status 503", "ECONNRESET"), so that a soak's errors can be told apart. */
  const failures = new Map<string, number>()
  const failed = (kind: string) => failures.set(kind, (failures.get(kind) ?? 0) + 1)
  const inFlight = new Set<Promise<void>>()
  const send = () => {
    const { path, cookie } = next()
    const sent = performance.now()
    const done = new Promise<void>((resolve) => {
      const req = httpRequest(new URL(path, base), { agent, timeout: 10_000, headers: { cookie, accept: 'text/html,application/json' } }, (res) => {
        res.resume()
        res.on('error', (error: NodeJS.ErrnoException) => {
          failed(error.code ?? error.message)
          resolve()
        })
        res.on('end', () => {
          if (!byPath.has(path)) byPath.set(path, [])
          byPath.get(path)!.push(performance.now() - sent)
          if (res.statusCode !== 200) failed(`status ${res.statusCode} on ${path}`)
          resolve()
        })
      })
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in 10 s'), { code: 'TIMEOUT' })))
      req.on('error', (error: NodeJS.ErrnoException) => {
        failed(error.code ?? error.message)
        resolve()
      })
      req.end()
    })
    inFlight.add(done)
    void done.then(() => inFlight.delete(done))
  }
  const begun = performance.now()
  let due = begun
  while (due - begun < WINDOW_S * 1000) {
    due += -Math.log(1 - Math.random()) * 1000 / RATE
    const wait = due - performance.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    send()
  }
  await Promise.all(inFlight)
  agent.destroy()
  const latencies = [...byPath.values()].flat()
  const at = (q: number, values = latencies) => {
    const sorted = [...values].sort((a, b) => a - b)
    return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!)
  }
  // Which requests make the tail: p99 of each path on its own.
  const tails = [...byPath].map(([path, values]) => `${path} ${at(0.99, values)}`).join(', ')
  const errors = [...failures.values()].reduce((a, b) => a + b, 0)
  return { rps: latencies.length / ((performance.now() - begun) / 1000), p50: at(0.5), p99: at(0.99), errors, failures: [...failures].map(([kind, n]) => `${n}× ${kind}`).join(', '), tails }
}

async function soak(backend: Backend): Promise<{ minutes: Minute[], samples: [number, number][] }> {
  const secret = randomBytes(32).toString('base64')
  // Limits off: every request comes from one loopback address (the one use RATE_LIMIT=false is for).
  const server = await startServer({
    BETTER_AUTH_SECRET: secret, RATE_LIMIT: 'false', ...(backend === 'sqlite' && { REDIS_URL: '' }),
    NODE_OPTIONS: [`--require ${rootDir}bench/event-loop.cjs`, LIVE_HEAP && `--expose-gc --require ${rootDir}bench/live-heap.cjs`].filter(Boolean).join(' '),
  }, { backend })
  const reference = startReference()
  const minutes: Minute[] = []
  // [row, RSS MiB] every second, the row as a fraction (1.5: halfway through the first; a row is SOAK_WINDOW s).
  const samples: [number, number][] = []
  try {
    const cookies = await makeSessions(server.databaseUrl, secret)
    const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!
    // Warm-up, not measured: flat out for SOAK_WARMUP seconds, so that the JIT has compiled the
    // hot code and V8 has sized its heap (at 100 requests/s, that takes minutes).
    const warm = await autocannon({
      url: server.url, connections: CONNECTIONS, duration: WARMUP_S,
      requests: [{ setupRequest: request => ({ ...request, path: pick(PATHS), headers: { ...request.headers, cookie: pick(cookies), accept: 'text/html,application/json' } }) }],
    })
    console.log(`${backend} warm-up: ${Math.round(warm.requests.average)} req/s for ${WARMUP_S} s, ${warm.non2xx + warm.errors + warm.timeouts} errors, RSS ${rssOf(server.pid).toFixed(0)} MiB`)
    // The event loop's figures from here on: the warm-up's are not a row's.
    await eventLoopOf(server)
    reference.take()
    for (let minute = 1; minute <= MINUTES; minute++) {
      const begun = performance.now()
      const window: number[] = []
      const sampler = setInterval(() => {
        window.push(rssOf(server.pid))
        samples.push([minute + (performance.now() - begun) / (WINDOW_S * 1000), window.at(-1)!])
      }, 1000)
      const result = await openLoop(server.url, () => ({ path: pick(PATHS), cookie: pick(cookies) })).finally(() => clearInterval(sampler))
      const liveHeap = LIVE_HEAP ? Number([...server.logs().matchAll(/LIVE_HEAP ([\d.]+)/g)].at(-1)?.[1]) : undefined
      const { failures, tails, ...measured } = result
      const row = { minute, ...measured, ...await eventLoopOf(server), referenceMs: reference.take(), rss: mean(window), peakRss: Math.max(...window), liveHeap }
      minutes.push(row)
      console.log(`${backend} minute ${minute}: ${Math.round(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, errors ${row.errors}, server CPU ${cpuPercent(row)}% of a core, event loop blocked p99 ${row.blockedP99} ms (max ${row.blockedMax}), GC ${row.gcMs} ms (longest ${row.gcMaxMs}), reference ${row.referenceMs} ms, RSS ${row.rss.toFixed(0)} MiB (peak ${row.peakRss.toFixed(0)})${liveHeap === undefined ? '' : `, live heap ${liveHeap} MiB`}${failures ? ` (${failures})` : ''}; p99 by path: ${tails}`)
    }
  }
  finally {
    reference.stop()
    await server.stop()
  }
  return { minutes, samples }
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length

/** The least-squares slope of y over x (0 for fewer than two points). */
function slope(points: [number, number][]): number {
  if (points.length < 2) return 0
  const [mx, my] = [mean(points.map(p => p[0])), mean(points.map(p => p[1]))]
  const num = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0)
  const den = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0)
  return num / den
}

function table(backend: string, { minutes, samples }: { minutes: Minute[], samples: [number, number][] }) {
  const heap = minutes.some(m => m.liveHeap !== undefined)
  const lines = [`#### ${backend}`, '', `| minute | requests/s | p50 ms | p99 ms | errors | server CPU % of a core | event loop blocked p99 / max ms | GC ms (longest) | reference ms | RSS MiB (mean) | RSS MiB (peak) |${heap ? ' live heap MiB |' : ''}`, `|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|${heap ? '---:|' : ''}`]
  for (const m of minutes) lines.push(`| ${m.minute} | ${Math.round(m.rps).toLocaleString('en-US')} | ${m.p50} | ${m.p99} | ${m.errors} | ${cpuPercent(m)} | ${m.blockedP99} / ${m.blockedMax} | ${m.gcMs.toLocaleString('en-US')} (${m.gcMaxMs}) | ${m.referenceMs} | ${m.rss.toFixed(0)} | ${m.peakRss.toFixed(0)} |${heap ? ` ${m.liveHeap} |` : ''}`)
  const p99s = minutes.slice(1).map(m => m.p99)
  if (p99s.length < 2) return [...lines, '', 'Fewer than three minutes: no growth or spread to tell.', ''].join('\n')
  // Rows are SOAK_WINDOW seconds long: per minute is per row × 60 / SOAK_WINDOW.
  const perMinute = 60 / WINDOW_S
  const growth = slope(samples.filter(([minute]) => minute >= 2)) * perMinute
  const spread = (Math.max(...p99s) - Math.min(...p99s)) / Math.min(...p99s)
  // How much the machine itself changed from minute to minute.
  const references = minutes.slice(1).map(m => m.referenceMs)
  const referenceSpread = (Math.max(...references) - Math.min(...references)) / Math.min(...references)
  const heapGrowth = heap ? ` Live heap growth after the first minute: ${(slope(minutes.slice(1).map(m => [m.minute, m.liveHeap!])) * perMinute).toFixed(2)} MiB/min.` : ''
  lines.push('', `RSS growth after the first minute: ${growth.toFixed(2)} MiB/min (slope of ${samples.filter(([minute]) => minute >= 2).length} samples).${heapGrowth} p99 after the first minute: ${Math.min(...p99s)}-${Math.max(...p99s)} ms (spread ${(spread * 100).toFixed(0)}% of the lowest); the reference's time: ${Math.min(...references)}-${Math.max(...references)} ms (spread ${(referenceSpread * 100).toFixed(0)}%).`, '')
  return lines.join('\n')
}

if (process.env.BENCH_SKIP_BUILD !== '1') {
  const build = spawnSync(process.execPath, ['node_modules/nuxt/bin/nuxt.mjs', 'build'], { cwd: rootDir, stdio: 'inherit' })
  if (build.status !== 0) process.exit(1)
}
const missing = await productionServicesReachable()
const tables: string[] = []
if (BACKENDS.includes('sqlite')) tables.push(table('SQLite (embedded default)', await soak('sqlite')))
if (BACKENDS.includes('postgres') && missing) console.warn(`PostgreSQL soak skipped: ${missing}`)
else if (BACKENDS.includes('postgres')) tables.push(table('PostgreSQL + Redis', await soak('postgres')))
const text = [`After a warm-up of ${WARMUP_S} s flat out, ${MINUTES} × ${WINDOW_S} s at ${RATE} requests/s arriving independently (Poisson), ${SESSIONS.toLocaleString('en-US')} distinct sessions, up to ${CONNECTIONS} connections, /api/me, /api/session and SSR /dashboard 2:1:1, a random session per request.`, '', ...tables].join('\n')
console.log(`\n${text}`)
const readme = `${rootDir}bench/README.md`
const current = readFileSync(readme, 'utf8')
const [start, end] = ['<!-- soak:start -->', '<!-- soak:end -->']
if (current.includes(start)) writeFileSync(readme, `${current.slice(0, current.indexOf(start) + start.length)}\n${text}\n${current.slice(current.indexOf(end))}`)
else writeFileSync(readme, `${current.trimEnd()}\n\n## Soak: ${MINUTES} minutes of mixed load\n\n\`npm run bench:soak\`.\n\n${start}\n${text}\n${end}\n`)
console.log('Wrote the soak tables into bench/README.md.')
