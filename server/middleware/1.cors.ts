const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Other origins and /api/*. Origins in CORS_ORIGINS (exact, never `*`) get CORS answers with
 * credentials, and may read `set-auth-token` / `set-auth-jwt`; preflights are answered here.
 * Any other origin gets no CORS headers, and a state-changing request from it is refused (403),
 * on better-auth's routes and ours alike. Requests without an Origin (native apps, servers,
 * same-origin GETs) pass: they carry no cross-site risk.
 */
export default defineEventHandler((event) => {
  if (!event.path.startsWith('/api/')) return
  const origin = getRequestHeader(event, 'origin')
  if (!origin) return
  const env = useEnv()
  if (env.CORS_ORIGINS.includes(origin)) {
    const answered = handleCors(event, {
      origin: env.CORS_ORIGINS,
      credentials: true,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['set-auth-token', 'set-auth-jwt'],
      maxAge: '600',
    })
    if (answered) return
  }
  if (SAFE.has(event.method) || origin === new URL(env.BETTER_AUTH_URL).origin) return
  if (env.CORS_ORIGINS.includes(origin) || env.TRUSTED_ORIGINS.includes(origin)) return
  throw createError({ statusCode: 403, message: 'Requests from this origin are not allowed' })
})
