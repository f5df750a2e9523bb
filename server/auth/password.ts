import { availableParallelism } from 'node:os'
import { hashPassword, verifyPassword } from 'better-auth/crypto'
import pLimit from 'p-limit'

// scrypt runs on libuv's pool (4 threads) and takes about 170 ms of CPU per password here. Run
// at most one per core but one, so a burst of sign-ins queues instead of taking every core from
// the event loop that answers everyone else.
const limit = pLimit(Math.max(1, availableParallelism() - 1))

/** better-auth's own scrypt hash format (existing users still sign in), with bounded concurrency. */
export const passwordHasher = {
  hash: (password: string) => limit(() => hashPassword(password)),
  verify: (data: { hash: string, password: string }) => limit(() => verifyPassword(data)),
}
