interface RunOptions {
  /** Runs after a success, before the notice shows (e.g. re-fetching a list), so both appear together. */
  after?: () => unknown
  /** Returns true when it dealt with the error itself (no failure message then). */
  onError?: (error: unknown) => boolean
}

/** One action at a time for a page: which one is busy, then a success notice or a failure message. */
export function useAction() {
  const busy = ref<string | null>(null)
  const notice = ref('')
  const failure = ref('')

  async function run(key: string, action: () => unknown, done: string, { after, onError }: RunOptions = {}) {
    busy.value = key
    notice.value = ''
    failure.value = ''
    try {
      await action()
      await after?.()
      notice.value = done
    }
    catch (error) {
      if (!onError?.(error)) failure.value = errorMessage(error, 'That did not work. Please try again.')
    }
    finally {
      busy.value = null
    }
  }

  return { busy, notice, failure, run }
}
