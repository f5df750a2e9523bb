// Test-only preload (node --require): shifts this process's clock by the seconds written in
// $TEST_CLOCK_FILE, so a test can move a running server through time. Production never loads it.
const { readFileSync } = require('node:fs')

const file = process.env.TEST_CLOCK_FILE
const RealDate = Date
const realNow = RealDate.now
// Read on every call (microseconds): a cached offset could lag behind the test's last move.
function now() {
  let offset = 0
  try {
    offset = Number(readFileSync(file, 'utf8')) * 1000 || 0
  }
  catch {
    // No file: real time.
  }
  return realNow() + offset
}

class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(now())
    else super(...args)
  }

  static now() {
    return now()
  }
}

globalThis.Date = ShiftedDate
