import { handleAuthRequest } from '../../auth/handler'

export default defineEventHandler(event => handleAuthRequest(event))
