import type { z } from 'zod'

/**
 * Form state for a zod schema: values, field errors, and `state` (server error, pending, succeeded).
 * `submit(action, fallback)` validates first and never runs `action` on invalid input; a failure
 * shows the server's message, or `fallback` when a request failed without one.
 */
export function useForm<S extends z.ZodObject>(schema: S, initial: z.input<S>) {
  const values = reactive({ ...initial }) as z.input<S>
  const fieldErrors = ref<Partial<Record<keyof z.input<S>, string>>>({})
  const error = ref('')
  const pending = ref(false)
  const succeeded = ref(false)

  async function submit(action: (data: z.output<S>) => Promise<void>, fallback = 'Something went wrong. Please try again.') {
    error.value = ''
    const parsed = schema.safeParse(values)
    fieldErrors.value = parsed.success
      ? {}
      : Object.fromEntries(parsed.error.issues.map(i => [i.path[0], i.message])) as typeof fieldErrors.value
    if (!parsed.success) return
    pending.value = true
    try {
      await action(parsed.data)
      succeeded.value = true
    }
    catch (e) {
      error.value = failureMessage(e, fallback)
    }
    finally {
      pending.value = false
    }
  }

  // The outcome (error, pending, succeeded) as one object, for `<AuthForm v-bind="state">`.
  const state = reactive({ error, pending, succeeded })
  return { values, fieldErrors, state, submit }
}
