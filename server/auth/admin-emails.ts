import { useEnv } from '../platform/env'

/** Whether ADMIN_EMAILS names this address. */
export function isAdminEmail(email: string): boolean {
  return useEnv().ADMIN_EMAILS.includes(email.toLowerCase())
}
