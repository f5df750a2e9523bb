// The framework's bare route: a minimal Nitro app (what Nuxt's server is) with one JSON route.
export default defineEventHandler(() => ({ success: true, data: { ok: true } }))
