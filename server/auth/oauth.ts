import type { GenericOAuthConfig } from 'better-auth/plugins'
import { useEnv } from '../platform/env'

/** The OAuth providers configured by environment: Google, and one generic OpenID Connect provider. */
export function oauthProviders(env = useEnv()): OAuthProvider[] {
  return [
    ...(env.GOOGLE_CLIENT_ID ? [{ id: 'google', name: 'Google' }] : []),
    ...(env.OIDC_ISSUER ? [{ id: 'oidc', name: env.OIDC_NAME }] : []),
  ]
}

/** better-auth's genericOAuth config for OIDC_ISSUER (discovery, PKCE), or none: a provider like Google to better-auth's social routes. */
export function oidcConfig(env = useEnv()): GenericOAuthConfig[] {
  if (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID) return []
  return [{
    providerId: 'oidc',
    discoveryUrl: `${env.OIDC_ISSUER.replace(/\/$/, '')}/.well-known/openid-configuration`,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    scopes: ['openid', 'email', 'profile'],
    pkce: true,
  }]
}
