// The platform a route handler reaches for: the validated configuration and the database.
export { useEnv, type Env } from '../platform/env'
export { useDb } from '../platform/db'
