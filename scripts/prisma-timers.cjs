// Preloaded into the Prisma CLI. Its WebAssembly schema engine arms a 10 s timer on PostgreSQL
// (a lock timeout) and never clears it, so every command sat idle for 10 s after finishing.
// Long timers may not keep the process alive; the database socket does while work is pending.
const { setTimeout: original } = globalThis
globalThis.setTimeout = function (callback, delay, ...args) {
  const timer = original(callback, delay, ...args)
  if (delay >= 10_000) timer.unref()
  return timer
}
