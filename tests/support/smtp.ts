import { EventEmitter, once } from 'node:events'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { freePort } from './server'

export interface TestMailbox {
  /** smtp://127.0.0.1:port, for SMTP_URL. */
  url: string
  received: ParsedMail[]
  /** Mail to `email`, optionally only with this subject. */
  to: (email: string, subject?: string) => ParsedMail[]
  /** The first link in the newest mail to `email` with `subject`, waiting up to 5 s for it. */
  link: (email: string, subject: string) => Promise<URL>
  /** While held, the server keeps each message's DATA unanswered until `release()`. */
  hold: () => void
  release: () => void
  close: () => Promise<void>
}

/** A real SMTP server in this process: the app's mail crosses a real connection. */
export async function startMailbox(): Promise<TestMailbox> {
  const received: ParsedMail[] = []
  /** Emits 'mail' as each message arrives, so a test waits for it instead of polling. */
  const arrivals = new EventEmitter()
  let gate: Promise<void> | undefined
  let open = () => {}
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(async (mail) => {
        await gate
        received.push(mail)
        arrivals.emit('mail')
        callback()
      }, callback)
    },
  })
  // An app stopped in the middle of a message resets its connection (ECONNRESET): that message is
  // simply not received. Without a listener, smtp-server's 'error' event would crash the test run.
  server.on('error', () => {})
  const port = await freePort()
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', () => resolve()))
  const to = (email: string, subject?: string) => received.filter(m => m.to && !Array.isArray(m.to) && m.to.text === email && (!subject || m.subject === subject))
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to,
    async link(email, subject) {
      const signal = AbortSignal.timeout(5000)
      for (;;) {
        const match = to(email, subject).at(-1)?.text?.match(/https?:\/\/\S+/)
        if (match) return new URL(match[0])
        await once(arrivals, 'mail', { signal }).catch(() => {
          throw new Error(`no mail "${subject}" to ${email} within 5 s`)
        })
      }
    },
    hold() {
      gate = new Promise(resolve => open = resolve)
    },
    release() {
      open()
      gate = undefined
    },
    close: () => new Promise(resolve => server.close(() => resolve())),
  }
}
