// Preloaded into the soak's server: on SIGUSR2 (sent at the end of each soak row), how long the
// event loop was blocked since the last signal (p99 and max of the delay beyond the sampling
// timer), the time spent in garbage collection (the two things every request waits behind) and
// the CPU the process used.
const { monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks')

const RESOLUTION_MS = 10
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
delay.enable()
let gcMs = 0
let gcMaxMs = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration
    gcMaxMs = Math.max(gcMaxMs, entry.duration)
  }
}).observe({ entryTypes: ['gc'] })

let cpu = process.cpuUsage()
const blocked = nanoseconds => Math.max(0, nanoseconds / 1e6 - RESOLUTION_MS).toFixed(1)
process.on('SIGUSR2', () => {
  const used = process.cpuUsage(cpu)
  cpu = process.cpuUsage()
  process.stderr.write(`EVENT_LOOP p99=${blocked(delay.percentile(99))} max=${blocked(delay.max)} gc=${gcMs.toFixed(0)} gcMax=${gcMaxMs.toFixed(1)} cpu=${((used.user + used.system) / 1000).toFixed(0)}\n`)
  delay.reset()
  gcMs = 0
  gcMaxMs = 0
})
