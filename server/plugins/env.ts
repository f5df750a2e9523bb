// Validate configuration before the first request: a bad value stops the server with one line per variable.
export default defineNitroPlugin(() => {
  try {
    useEnv()
  }
  catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(error.message)
    process.exit(1)
  }
})
