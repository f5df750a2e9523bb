/** What one tab tells the other tabs of this browser about the session (and, when known, why it ended). */
export interface TabMessage { type: 'signed-in' | 'signed-out', reason?: SessionEndReason }

const CHANNEL = 'auth:session'
/** Names this tab in what it sends, so it can ignore its own words (a BroadcastChannel echoes them to other channel objects in the same tab). */
const tabId = Math.random().toString(36).slice(2)

interface Envelope extends TabMessage { from: string, at: number }

/** Tells every other tab of this browser (BroadcastChannel, or the `storage` event where it is missing). */
export function tellOtherTabs(message: TabMessage) {
  if (!import.meta.client) return
  // `at` makes each write a change, which is what fires `storage` in the other tabs.
  const envelope: Envelope = { ...message, from: tabId, at: Date.now() }
  if (typeof BroadcastChannel === 'function') {
    const channel = new BroadcastChannel(CHANNEL)
    channel.postMessage(envelope)
    channel.close()
  }
  else {
    localStorage.setItem(CHANNEL, JSON.stringify(envelope))
  }
}

/** Calls `listener` for every message another tab sends; returns the unsubscribe function. */
export function onOtherTabs(listener: (message: TabMessage) => void): () => void {
  const receive = (envelope: Envelope) => {
    if (envelope.from === tabId || (envelope.type !== 'signed-in' && envelope.type !== 'signed-out')) return
    listener({ type: envelope.type, reason: SessionEndReasonSchema.safeParse(envelope.reason).data })
  }
  if (typeof BroadcastChannel === 'function') {
    const channel = new BroadcastChannel(CHANNEL)
    channel.onmessage = (event: MessageEvent<Envelope>) => receive(event.data)
    return () => channel.close()
  }
  const onStorage = (event: StorageEvent) => {
    if (event.key === CHANNEL && event.newValue) receive(JSON.parse(event.newValue) as Envelope)
  }
  window.addEventListener('storage', onStorage)
  return () => window.removeEventListener('storage', onStorage)
}
