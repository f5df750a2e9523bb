/** An OAuth provider this server offers (GET /api/providers): Google, or the OpenID Connect provider of OIDC_ISSUER. */
export interface OAuthProvider {
  id: string
  name: string
}
