// Preloaded into the soak's server with SOAK_LIVE_HEAP=1 (node --expose-gc): every 10 s, a full
// garbage collection and the heap still in use after it, the live set a leak would grow.
setInterval(() => {
  globalThis.gc()
  process.stderr.write(`LIVE_HEAP ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)}\n`)
}, 10_000).unref()
