// The same JSON as bench/reference/nitro's route and our /api/bench/open.
export default defineEventHandler(() => ({ success: true, data: { ok: true } }))
