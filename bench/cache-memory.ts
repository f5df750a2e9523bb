// The session cache's cost in memory, per entry: the heap after a full GC, empty and then holding
// N sessions shaped as better-auth returns them (run with --expose-gc; `npm run bench` does).
// First the bound, RSS before and after, then a markdown table; SESSION_CACHE_MAX (an entry count) is documented with these figures.
import { randomBytes } from 'node:crypto'
import { SessionCache } from '../server/sessions/cache'

const SIZES = (process.env.BENCH_CACHE_SIZES ?? '10000,100000,1000000').split(',').map(Number)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with node --expose-gc')

const id = () => randomBytes(24).toString('base64url').slice(0, 32)

/** A session and its user as better-auth's getSession returns them (the app's extra user fields included). */
function session() {
  const now = new Date()
  const userId = id()
  return {
    session: { id: id(), token: id(), userId, expiresAt: new Date(now.getTime() + 604_800_000), createdAt: now, updatedAt: now, ipAddress: `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', impersonatedBy: null },
    user: { id: userId, name: 'Test User', email: `user-${id()}@example.com`, emailVerified: true, image: null, createdAt: now, updatedAt: now, twoFactorEnabled: false, role: 'user', banned: false, banReason: null, banExpires: null, displayName: 'Test User', timeZone: 'Europe/Berlin', onboardedAt: now },
  }
}

const heap = () => {
  gc!()
  gc!()
  return process.memoryUsage().heapUsed
}

// The bound: 100,000 distinct sessions through a cache of the default SESSION_CACHE_MAX, in the
// mode where entries live longest (every change heard: they stay until their refresh is due).
const BOUND = Number(process.env.BENCH_CACHE_BOUND ?? 10_000)
const THROUGH = Number(process.env.BENCH_CACHE_THROUGH ?? 100_000)
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`
const before = { heap: heap(), rss: process.memoryUsage().rss }
const bounded = new SessionCache({ max: BOUND, ttlSeconds: 5 })
bounded.hearsChanges(true)
for (let i = 0; i < THROUGH; i++) {
  const s = session()
  bounded.set({ token: s.session.token, signature: randomBytes(32).toString('base64') }, s as never, bounded.generation)
}
const after = { heap: heap(), rss: process.memoryUsage().rss }
if (bounded.size !== Math.min(BOUND, THROUGH) || bounded.indexed.sessions !== bounded.size) throw new Error(`the bound did not hold: ${bounded.size} entries, ${bounded.indexed.sessions} indexed`)
console.log(`${THROUGH.toLocaleString('en')} sessions through a cache of SESSION_CACHE_MAX=${BOUND.toLocaleString('en')}: it holds ${bounded.size.toLocaleString('en')} (${bounded.indexed.users.toLocaleString('en')} users indexed); heap after GC ${mib(before.heap)} before, ${mib(after.heap)} after; RSS ${mib(before.rss)} before, ${mib(after.rss)} after.`)
console.log('')

console.log('| sessions held | heap after GC | per session |')
console.log('|---:|---:|---:|')
for (const size of SIZES) {
  const before = heap()
  const cache = new SessionCache({ max: size, ttlSeconds: 3600 })
  for (let i = 0; i < size; i++) {
    const s = session()
    cache.set({ token: s.session.token, signature: randomBytes(32).toString('base64') }, s as never, cache.generation)
  }
  const held = heap() - before
  if (cache.size !== size) throw new Error(`the cache held ${cache.size} of ${size}`)
  console.log(`| ${size.toLocaleString('en')} | ${(held / 1048576).toFixed(1)} MiB | ${Math.round(held / size).toLocaleString('en')} B |`)
}
