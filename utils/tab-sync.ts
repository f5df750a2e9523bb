import { useBroadcastChannel, useEventListener } from '@vueuse/core'
import { effectScope, watch } from 'vue'

/** What one tab tells the other tabs of this browser about the session (and, when known, why it ended). */
export interface TabMessage { type: 'signed-in' | 'signed-out', reason?: SessionEndReason }

const CHANNEL = 'auth:session'

interface Envelope extends TabMessage { at: number }

let channel: ReturnType<typeof useBroadcastChannel<Envelope, Envelope>> | undefined
/**
 * This tab's one end of the channel, open for the app's lifetime (VueUse's useBroadcastChannel, in
 * a scope of its own). plugins/session-handler.client.ts opens it at start-up, outside any
 * component, so it never waits for a component to mount. A channel object does not hear itself:
 * this tab never receives its own words.
 */
function tabChannel() {
  channel ??= effectScope(true).run(() => useBroadcastChannel<Envelope, Envelope>({ name: CHANNEL }))!
  return channel
}

/** Tells every other tab of this browser (BroadcastChannel, or the `storage` event where it is missing). */
export function tellOtherTabs(message: TabMessage) {
  if (!import.meta.client) return
  // `at` makes each write a change, which is what fires `storage` in the other tabs.
  const envelope: Envelope = { ...message, at: Date.now() }
  const { isSupported, post } = tabChannel()
  if (isSupported.value) post(envelope)
  else localStorage.setItem(CHANNEL, JSON.stringify(envelope))
}

/** Calls `listener` for every message another tab sends; returns the unsubscribe function. */
export function onOtherTabs(listener: (message: TabMessage) => void): () => void {
  const receive = (envelope: Envelope | undefined) => {
    if (envelope?.type !== 'signed-in' && envelope?.type !== 'signed-out') return
    listener({ type: envelope.type, reason: SessionEndReasonSchema.safeParse(envelope.reason).data })
  }
  const { isSupported, data } = tabChannel()
  // Synchronously: two messages in one turn are two calls, not the last one twice.
  if (isSupported.value) return watch(data, receive, { flush: 'sync' })
  return useEventListener(window, 'storage', (event: StorageEvent) => {
    if (event.key !== CHANNEL || !event.newValue) return
    try {
      receive(JSON.parse(event.newValue) as Envelope)
    }
    catch {
      // Not one of ours (another script wrote the key): nothing to hear.
    }
  })
}
