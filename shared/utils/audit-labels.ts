/** How each audit event type reads to people. */
export const AUDIT_LABELS: Record<string, string> = {
  sign_up: 'Account created',
  sign_in: 'Signed in',
  sign_in_failed: 'Failed sign-in attempt',
  sign_out: 'Signed out',
  session_revoked: 'Signed out a device',
  other_sessions_revoked: 'Signed out of all other devices',
  all_sessions_revoked: 'Signed out everywhere',
  password_changed: 'Password changed',
  account_deleted: 'Account deleted',
  user_banned: 'Banned',
  user_unbanned: 'Ban lifted',
  role_changed: 'Role changed',
}
