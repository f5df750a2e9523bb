export default defineEventHandler(event => handleAuthRequest(event))
