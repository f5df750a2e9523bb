import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { database, request, sessionCookie, signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'

// What any database role that may LISTEN on "session_changed" reads: ids, never a session token.
let app: TestServer
let listener: pg.Client
const heard: string[] = []
/** The instances' own heartbeats on the channel: `{"ping":"<instance>:<n>"}`, kept apart from the trigger's messages. */
const pings: string[] = []
beforeAll(async () => {
  app = await startServer({}, { backend: 'postgres' })
  listener = new pg.Client({ connectionString: app.databaseUrl })
  await listener.connect()
  listener.on('notification', ({ payload = '' }) => (payload.startsWith('{"ping":') ? pings : heard).push(payload))
  await listener.query('LISTEN session_changed')
})
afterAll(async () => {
  await listener?.end()
  await app?.stop()
})

const sql = <T>(query: string, params: unknown[] = []) => database(db => db.all<T>(query, params), app.databaseUrl)
/** Waits until `count` more messages arrived after `from` (or 2 s), and returns them. */
async function messagesAfter(from: number, count: number) {
  await expect.poll(() => heard.length - from, { timeout: 2000 }).toBeGreaterThanOrEqual(count)
  return heard.slice(from)
}

describe('the session_changed trigger', () => {
  it('names sessions and users by id only, for a sign-out, a row deleted by hand and a user changed by hand', async () => {
    const { email, password } = await signUp(app.url)
    const second = sessionCookie(await request('/api/auth/sign-in/email', { base: app.url, method: 'POST', body: JSON.stringify({ email, password }) }))!
    const tokens = (await sql<{ token: string }>('SELECT s."token" FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE u."email" = ?', [email])).map(r => r.token)
    expect(tokens).toHaveLength(2)
    const from = heard.length
    expect((await request('/api/auth/sign-out', { base: app.url, method: 'POST', cookie: second, body: '{}' })).status).toBe(200)
    await sql('DELETE FROM "session" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email])
    await sql('UPDATE "user" SET "name" = \'Changed by hand\' WHERE "email" = ?', [email])
    const messages = await messagesAfter(from, 3)
    for (const message of messages) {
      for (const token of tokens) expect(message).not.toContain(token)
      expect(Object.keys(JSON.parse(message)).every(key => ['sessionIds', 'userIds'].includes(key))).toBe(true)
    }
    // The heartbeats name no session or user at all.
    await expect.poll(() => pings.length, { timeout: 3000 }).toBeGreaterThan(0)
    for (const ping of pings) expect(Object.keys(JSON.parse(ping))).toEqual(['ping'])
  })

  it('sends one message per statement in chunks, and none for rows that had expired (the sweep)', async () => {
    const [{ id: userId }] = await sql<{ id: string }>('INSERT INTO "user" ("id", "name", "email", "emailVerified", "createdAt", "updatedAt") VALUES (gen_random_uuid()::text, \'Bulk\', \'bulk-\' || gen_random_uuid() || \'@example.com\', false, now(), now()) RETURNING "id"') as [{ id: string }]
    const insert = (count: number, expiresAt: string) => sql(`INSERT INTO "session" ("id", "token", "userId", "expiresAt", "createdAt", "updatedAt") SELECT gen_random_uuid()::text, gen_random_uuid()::text, ?, ${expiresAt}, now(), now() FROM generate_series(1, ${count})`, [userId])
    await insert(2000, 'now() - interval \'1 day\'')
    const from = heard.length
    await sql('DELETE FROM "session" WHERE "userId" = ?', [userId])
    await insert(200, 'now() + interval \'1 day\'')
    await sql('DELETE FROM "session" WHERE "userId" = ?', [userId])
    // A marker sent after the deletes committed arrives after every message they caused.
    await sql('SELECT pg_notify(\'session_changed\', \'{"marker":true}\')')
    await expect.poll(() => heard.slice(from).includes('{"marker":true}'), { timeout: 2000 }).toBe(true)
    const messages = heard.slice(from, heard.indexOf('{"marker":true}', from))
    // 200 live rows: 3 messages of at most 80 ids; 2,000 expired ones: none.
    expect(messages).toHaveLength(3)
    expect(messages.flatMap(m => JSON.parse(m).sessionIds)).toHaveLength(200)
  })
})
