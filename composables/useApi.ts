/** The app's fetch for its own API (plugins/api.ts): call in setup, use anywhere after. */
export const useApi = () => useNuxtApp().$api
