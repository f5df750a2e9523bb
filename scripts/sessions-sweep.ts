// `npm run sessions:sweep [-- --batch-size 500]`: what the hourly Nitro task does, on demand (or from cron).
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { createPrismaClient } from '../server/platform/db'
import { databaseUrlOf } from '../server/platform/database-url.mjs'
import { sweepExpired } from '../server/sessions/sweep'

const { values } = parseArgs({ options: { 'batch-size': { type: 'string', default: '500' } } })
const batchSize = z.coerce.number().int().min(1).max(10_000).safeParse(values['batch-size'])
if (!batchSize.success) {
  console.error('Usage: npm run sessions:sweep -- [--batch-size 1..10000]')
  process.exit(2)
}

const db = createPrismaClient(databaseUrlOf(process.env))
try {
  const { sessions, verifications, batches } = await sweepExpired(db, { batchSize: batchSize.data })
  console.log(`Deleted ${sessions} expired sessions and ${verifications} expired verification rows in ${batches} batches.`)
}
finally {
  await db.$disconnect()
}
