import { isCI } from 'ci-info'
import { spawnSync } from 'node:child_process'

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

/**
 * Launch options for Debian's Chromium (`apt-get install chromium`), or undefined when it is
 * absent. Under CI=true a missing Chromium is an error, never a skip.
 */
export function chromiumLaunchOptions() {
  const executablePath = process.env.CHROMIUM_PATH || spawnSync('which', ['chromium'], { encoding: 'utf8' }).stdout.trim()
  if (executablePath) return { executablePath, args: FLAGS }
  if (isCI) throw new Error('Browser tests need Chromium under CI=true: apt-get install chromium (or set CHROMIUM_PATH).')
  console.warn('Skipping browser tests: Chromium not found. Install it with `apt-get install chromium` or set CHROMIUM_PATH.')
  return undefined
}
