import { sweepExpired } from '../../sessions/sweep'

export default defineTask({
  meta: { name: 'sessions:sweep', description: 'Delete expired sessions and verification rows in bounded batches' },
  async run() {
    const result = await sweepExpired(useDb())
    return { result }
  },
})
