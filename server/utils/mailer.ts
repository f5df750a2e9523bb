import { createTransport } from 'nodemailer'

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
    mailer = { send: async ({ to, subject }) => console.warn(`[mail] SMTP_URL is not set; not sent to ${to}: ${subject}`) }
  }
  return mailer
}
