import { createTransport } from 'nodemailer'
import { useEnv } from './env'

export interface MailMessage { to: string, subject: string, text: string }

/** Sends mail: through SMTP_URL when set; in development into the outbox at /dev/outbox. */
export interface Mailer { send: (message: MailMessage) => Promise<void> }

const OUTBOX_SIZE = 50
const outbox: (MailMessage & { sentAt: Date })[] = []
let mailer: Mailer | undefined

/** The development outbox, newest first (empty outside development). */
export function devOutbox(): readonly (MailMessage & { sentAt: Date })[] {
  return outbox
}

/**
 * Sends without waiting: the answer to a request never depends on whether, or how slowly, mail
 * went out (a slow send would tell an observer that the address has an account).
 */
export function sendInBackground(message: MailMessage, what: string): void {
  useMailer().send(message).catch(error => console.error(`[mail] ${what} failed`, error))
}

/**
 * Whether this server can send mail: SMTP_URL, or the development outbox. Without it a production
 * server runs with every mail feature off (reset links, sign-in codes, confirmation links), and
 * their routes answer 404.
 */
export function mailAvailable(): boolean {
  return !!useEnv().SMTP_URL || import.meta.dev
}

/** The mailer of this process. */
export function useMailer(): Mailer {
  if (mailer) return mailer
  const { SMTP_URL, MAIL_FROM } = useEnv()
  if (SMTP_URL) {
    const transport = createTransport(SMTP_URL)
    mailer = { send: async message => void await transport.sendMail({ from: MAIL_FROM, ...message }) }
  }
  else if (import.meta.dev) {
    mailer = {
      send: async (message) => {
        outbox.unshift({ ...message, sentAt: new Date() })
        outbox.splice(OUTBOX_SIZE)
      },
    }
  }
  else {
    // Said once at start-up (server/plugins/0.validate-env.ts). Nothing of a message reaches the log: a
    // subject may hold a sign-in code, a body a link.
    mailer = { send: async () => {} }
  }
  return mailer
}
