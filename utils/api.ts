/** Whether a 401 from `url` means this tab's session ended: this site's /api, better-auth's /api/auth aside (there it means "wrong password" and the like). */
export function endsTheSession(url: string, origin: string): boolean {
  const target = new URL(url, origin)
  return target.origin === origin && target.pathname.startsWith('/api/') && !target.pathname.startsWith('/api/auth/')
}
