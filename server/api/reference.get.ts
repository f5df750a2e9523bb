/** The API reference (Scalar, loaded from its CDN) over /api/openapi.json, in development only. */
export default defineEventHandler((event) => {
  if (!import.meta.dev) throw createError({ statusCode: 404, message: 'Not found' })
  setResponseHeader(event, 'content-type', 'text/html; charset=utf-8')
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>SessionKit API reference</title></head>
  <body>
    <script id="api-reference" data-url="/api/openapi.json"></script>
    <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
  </body>
</html>`
})
