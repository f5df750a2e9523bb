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
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise(r => setTimeout(r, 50))) {
        const text = to(email, subject).at(-1)?.text
        const match = text?.match(/https?:\/\/\S+/)
        if (match) return new URL(match[0])
      }
      throw new Error(`no mail "${subject}" to ${email}`)
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
