import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPostgresDatabase, REDIS_URL } from './db'

export const rootDir = fileURLToPath(new URL('../..', import.meta.url))

export interface TestServer {
  url: string
  /** file:… or postgres://… */
  databaseUrl: string
  pid: number
  logs: () => string
  stop: () => Promise<void>
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    }).on('error', reject)
  })
}

/** The production setup a test run exercises: E2E_DATABASE=postgres means PostgreSQL plus Redis. */
export type Backend = 'sqlite' | 'postgres'
export const backend: Backend = process.env.E2E_DATABASE === 'postgres' ? 'postgres' : 'sqlite'

/**
 * Runs `npm start` (migrations, then the production build) on a fresh database: a SQLite file,
 * or a new PostgreSQL database with Redis (dropped again by `stop`). `databaseUrl` shares an
 * existing database instead (several instances of one app).
 */
export async function startServer(env: Record<string, string> = {}, options: { backend?: Backend, databaseUrl?: string } = {}): Promise<TestServer> {
  const port = Number(env.PORT) || await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'sessions-test-'))
  const kind = options.backend ?? backend
  const postgres = kind === 'postgres' && !options.databaseUrl ? await createPostgresDatabase() : undefined
  const databaseUrl = options.databaseUrl ?? postgres?.url ?? `file:${join(dir, 'app.db')}`
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: rootDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      ...(kind === 'postgres' && { REDIS_URL }),
      BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
      BETTER_AUTH_URL: url,
      // Limits on, as production has them. Tests reach the server through loopback as a trusted
      // proxy, so each simulated client names its own address in X-Forwarded-For.
      TRUST_PROXY: 'loopback',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))

  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
    await postgres?.drop()
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (child.exitCode !== null) break
    const ready = await fetch(`${url}/api/session`).then(r => r.ok, () => false)
    if (ready) return { url, databaseUrl, pid: child.pid!, logs: () => output, stop }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  await stop()
  throw new Error(`Server did not start on ${url}:\n${output}`)
}

/** A test server whose clock the test moves (tests/support/clock.cjs), `setClock(seconds)` ahead of real time. */
export interface ClockServer extends TestServer { setClock: (seconds: number) => void }

/** Starts a server like `startServer`, with a clock the test controls (it starts at real time). */
export async function startClockServer(env: Record<string, string>): Promise<ClockServer> {
  const dir = mkdtempSync(join(tmpdir(), 'clock-'))
  const clockFile = join(dir, 'offset')
  const setClock = (seconds: number) => writeFileSync(clockFile, String(seconds))
  setClock(0)
  const server = await startServer({ NODE_OPTIONS: `--require ${join(rootDir, 'tests/support/clock.cjs')}`, TEST_CLOCK_FILE: clockFile, ...env })
    .catch((error) => {
      rmSync(dir, { recursive: true, force: true })
      throw error
    })
  return {
    ...server,
    setClock,
    stop: async () => {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
