import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * What a request records about the dependencies it found down (its `event.context`):
 * `unavailable` is one without which it cannot be answered (the database).
 */
export interface RequestScope { unavailable?: Outage, affectedBy?: Set<Outage> }

const scope = new AsyncLocalStorage<RequestScope>()

/** Runs `work` (a call into better-auth, say) so that a dependency failing inside it is recorded on `request`. */
export function inRequestScope<T>(request: RequestScope, work: () => T): T {
  return scope.run(request, work)
}

/**
 * One dependency as this process sees it (the database, a Redis connection, the LISTEN
 * connection). Whatever the request rate, an outage logs one line when it starts and one when it
 * ends, with how long it lasted and how many requests it affected. With a `probe`, the outage
 * ends by itself: the probe runs every `probeMs` while it lasts, and its first success ends it.
 */
export class Outage {
  private since: number | undefined
  private affected = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    readonly name: string,
    private readonly meanwhile: string,
    private readonly options: { probe?: () => Promise<unknown>, probeMs?: number, failsRequests?: boolean } = {},
  ) {}

  get down(): boolean {
    return this.since !== undefined
  }

  /** Marks the dependency down (logged once per outage) and the current request as affected. */
  begin(reason: string) {
    if (this.since === undefined) {
      this.since = Date.now()
      this.affected = 0
      console.warn(`[${this.name}] unavailable (${reason}): ${this.meanwhile}`)
      if (this.options.probe) this.schedule()
    }
    this.touch()
  }

  /** Counts the current request as affected by the outage (once per request), if there is one. */
  touch() {
    const request = scope.getStore()
    if (this.since === undefined) return
    if (request) {
      if (this.options.failsRequests) request.unavailable ??= this
      request.affectedBy ??= new Set()
      if (request.affectedBy.has(this)) return
      request.affectedBy.add(this)
    }
    this.affected++
  }

  /** Marks the dependency back (logged once, with the outage's length and the requests it affected). */
  end() {
    if (this.since === undefined) return
    clearTimeout(this.timer)
    const seconds = ((Date.now() - this.since) / 1000).toFixed(1)
    console.info(`[${this.name}] back after ${seconds} s; ${this.affected} request${this.affected === 1 ? '' : 's'} affected`)
    this.since = undefined
  }

  private schedule() {
    this.timer = setTimeout(() => {
      this.options.probe!().then(() => this.end(), () => this.down && this.schedule())
    }, this.options.probeMs ?? 1000)
    this.timer.unref()
  }
}

// Prisma's "cannot reach / lost the database" codes, and the socket errors its driver adapters pass on.
const UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', 'SQLITE_BUSY'])
const UNAVAILABLE_TEXT = /Can't reach database server|Connection terminated|connection (?:is )?closed|ECONNREFUSED|ECONNRESET|DatabaseNotReachable|ConnectionClosed|SocketTimeout|Query read timeout|timeout exceeded when trying to connect|the database system is (?:starting up|shutting down|in recovery mode)/i

/** Whether an error (or anything in its `cause` chain) says the database could not be reached. */
export function databaseUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message, kind } = e as { code?: unknown, message?: unknown, kind?: unknown }
    if (typeof code === 'string' && UNAVAILABLE.has(code)) return true
    if (typeof kind === 'string' && UNAVAILABLE_TEXT.test(kind)) return true
    if (typeof message === 'string' && UNAVAILABLE_TEXT.test(message)) return true
  }
  return false
}

/** The innermost message of an error's `cause` chain. */
export function rootMessage(error: unknown): string {
  let e = error as { cause?: unknown, message?: string }
  while (e?.cause && typeof e.cause === 'object') e = e.cause as typeof e
  return e?.message ?? String(e)
}

declare module 'h3' {
  interface H3EventContext {
    unavailable?: Outage
    affectedBy?: Set<Outage>
  }
}
