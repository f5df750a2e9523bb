// `npm run admin:create -- --email person@example.com`: makes an existing account an administrator.
// The account signs up the usual way first, so no password is ever built in or printed.
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { createPrismaClient } from '../server/platform/db'
import { databaseUrlOf } from '../server/platform/database-url.mjs'

const { values } = parseArgs({ options: { email: { type: 'string' } } })
const email = z.email().safeParse(values.email?.trim().toLowerCase())
if (!email.success) {
  console.error('Usage: npm run admin:create -- --email person@example.com')
  process.exit(2)
}

const db = createPrismaClient(databaseUrlOf(process.env))
try {
  const user = await db.user.findUnique({ where: { email: email.data }, select: { id: true, role: true } })
  if (!user) {
    console.error(`No account uses ${email.data}. Sign up at /register first, then run this again.`)
    process.exitCode = 1
  }
  else if (user.role === 'admin') {
    console.log(`${email.data} is already an administrator.`)
  }
  else {
    await db.user.update({ where: { id: user.id }, data: { role: 'admin' } })
    await db.auditEvent.create({
      data: { type: 'role_changed', userId: user.id, email: email.data, detail: JSON.stringify({ role: 'admin', by: 'npm run admin:create' }) },
    })
    console.log(`${email.data} is now an administrator.`)
  }
}
finally {
  await db.$disconnect()
}
