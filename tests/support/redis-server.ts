import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from './server'

/**
 * A Redis server of the test's own (Debian's redis-server, on a free port), which the test may
 * crash, freeze and restart, empty or with the data it last saved. The machine's Redis is shared
 * and is never touched this way.
 */
export async function startRedisServer() {
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'))
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  const client = () => new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null }).on('error', () => {})

  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'dump.rdb'], { stdio: 'ignore' })
    const failed = new Promise<never>((_, reject) => child!.once('error', error => reject(new Error(`redis-server could not start: ${error.message}`))))
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      const probe = client()
      const up = await Promise.race([probe.connect().then(() => probe.ping()).then(() => true, () => false), failed])
      probe.disconnect()
      if (up) return
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    throw new Error('redis-server did not answer within 10 s')
  }
  /** Ends the process at once, as a crash would: what it holds is gone, except what it saved. */
  const crash = async () => {
    const exited = new Promise(resolve => child!.once('exit', resolve))
    child!.kill('SIGKILL')
    await exited
  }
  /** Writes what it holds to disk (dump.rdb), to be loaded by the next start. */
  const save = async () => {
    const redis = client()
    await redis.connect()
    await redis.save()
    redis.disconnect()
  }
  const forget = () => rmSync(join(dir, 'dump.rdb'), { force: true })
  await start()
  return {
    url,
    port,
    client,
    start,
    crash,
    save,
    /** Starts empty next time. */
    forget,
    freeze: () => child!.kill('SIGSTOP'),
    thaw: () => child!.kill('SIGCONT'),
    stop: async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT')
        await crash()
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
