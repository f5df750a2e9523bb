// The development outbox: mail the app would have sent, readable without an SMTP server. Absent in production.
import { devOutbox } from '../../platform/mailer'

const escape = (text: string) => text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

export default defineEventHandler((event) => {
  if (!import.meta.dev) throw createError({ statusCode: 404, message: 'Not found' })
  setResponseHeader(event, 'content-type', 'text/html; charset=utf-8')
  const items = devOutbox().map(m => `<article><h2>${escape(m.subject)}</h2><p>To ${escape(m.to)} · ${m.sentAt.toISOString()}</p><pre>${escape(m.text)}</pre></article>`)
  return `<!doctype html><meta charset="utf-8"><title>Outbox</title><style>body{font:15px system-ui;max-width:760px;margin:2rem auto}article{border-top:1px solid #ddd;padding:.5rem 0}pre{white-space:pre-wrap}</style><h1>Development outbox</h1>${items.join('') || '<p>No mail sent yet.</p>'}`
})
