import { tryGetCurrentAuthEndpointContext } from '@better-auth/core/context'

/** The better-auth endpoint this code runs inside (`/sign-out`, `/admin/ban-user`, ...), if any. */
export function currentAuthPath(): string | undefined {
  return tryGetCurrentAuthEndpointContext()?.path
}
