// The framework's bare route with Nuxt around it: a minimal Nuxt 4 app (no modules, no pages)
// with one JSON server route, built by `npm run bench` into the directory in BENCH_NUXT_OUTPUT.
import { defineNuxtConfig } from 'nuxt/config'

export default defineNuxtConfig({
  compatibilityDate: '2026-01-01',
  nitro: { output: { dir: process.env.BENCH_NUXT_OUTPUT } },
  telemetry: false,
})
