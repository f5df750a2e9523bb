// Reference row: the framework's limit on this machine. One h3 JSON route on Node's http server,
// nothing else (h3 is what Nitro, and so Nuxt's server, is made of). PORT chooses the port.
import { createServer } from 'node:http'
import { createApp, defineEventHandler, toNodeListener } from 'h3'

const app = createApp()
app.use('/json', defineEventHandler(() => ({ success: true, data: { ok: true } })))
createServer(toNodeListener(app)).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'))
