// A mail sink for the outside review: every message is written to /tmp/review/mail/<n>-<to>.txt.
import { writeFileSync } from 'node:fs'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
let n = 0
new SMTPServer({
  authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false,
  onData(stream, _s, cb) {
    simpleParser(stream).then((mail) => {
      n++
      writeFileSync(`/tmp/review/mail/${String(n).padStart(4, '0')}-${mail.to?.text.replace(/[^\w@.-]/g, '_')}.txt`, `Subject: ${mail.subject}\nTo: ${mail.to?.text}\n\n${mail.text}`)
      cb()
    }, cb)
  },
}).listen(2525, '127.0.0.1')
