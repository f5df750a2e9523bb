import { z } from 'zod'

// In the browser zod must not compile validators with `new Function`: the Content-Security-Policy
// forbids eval, and zod's probe for it (at the first schema built) would be reported as a violation.
// Every schema shared with the browser imports zod from here, so this runs before any is built.
if ('document' in globalThis) z.config({ jitless: true })

export { z }
