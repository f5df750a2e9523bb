import type { PrismaClient } from '../../prisma/generated/sqlite/client'

/** What one sweep removed. */
export interface SweepResult { sessions: number, verifications: number, batches: number }

/** Deletes what `find` returns, batch after batch, until a batch comes back short. */
async function inBatches(find: () => Promise<{ id: string }[]>, remove: (ids: string[]) => Promise<{ count: number }>, batchSize: number) {
  let deleted = 0
  let batches = 0
  for (let batch = await find(); batch.length; batch = batch.length < batchSize ? [] : await find()) {
    deleted += (await remove(batch.map(row => row.id))).count
    batches++
  }
  return { deleted, batches }
}

/**
 * Deletes expired sessions and expired verification rows (reset links, codes), `batchSize` rows
 * per statement so a large backlog never holds a long lock. Expired sessions are already refused;
 * this only keeps the tables small.
 */
export async function sweepExpired(db: PrismaClient, { batchSize = 500, now = new Date() } = {}): Promise<SweepResult> {
  const expired = { expiresAt: { lt: now } }
  const sessions = await inBatches(
    () => db.session.findMany({ where: expired, select: { id: true }, take: batchSize }),
    ids => db.session.deleteMany({ where: { id: { in: ids }, ...expired } }),
    batchSize,
  )
  const verifications = await inBatches(
    () => db.verification.findMany({ where: expired, select: { id: true }, take: batchSize }),
    ids => db.verification.deleteMany({ where: { id: { in: ids }, ...expired } }),
    batchSize,
  )
  return { sessions: sessions.deleted, verifications: verifications.deleted, batches: sessions.batches + verifications.batches }
}
