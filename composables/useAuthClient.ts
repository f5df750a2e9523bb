/** better-auth's Vue client for better-auth's actions (plugins/auth-client.ts): call in setup, use anywhere after. */
export const useAuthClient = () => useNuxtApp().$authClient
