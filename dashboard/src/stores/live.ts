/**
 * Live data for the wall: one socket, one subscribed scope, one snapshot kept current by
 * merge patches (DESIGN §5).
 *
 * Consistency rules:
 * - every (re)connect subscribes again and replaces the snapshot;
 * - a patch must carry `seq === snapshot.seq + 1`; older ones are duplicates and dropped,
 *   a jump is a gap and triggers a fresh subscribe (with backoff, so a server that keeps
 *   skipping cannot make us hammer it);
 * - patches that arrive while a subscribe is in flight are held and replayed on top of the
 *   snapshot the ack brings, so a busy scope does not resync forever;
 * - acks of superseded subscribes (scope changed, reconnected) are ignored.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { io, type Socket } from 'socket.io-client'
import type {
  ClientToServerEvents,
  LivePatch,
  LiveSnapshot,
  Scope,
  ServerToClientEvents,
  SubscribeAck,
  TickerItem,
} from '@contracts/live'
import { applyMergePatch, isPlainObject } from '@contracts/mergePatch'
import { mergeTicker, TICKER_MAX } from '../lib/ticker.ts'
import { apiFetch } from '../lib/api.ts'

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline'

/** What the banner shows; the component localises it. */
export type WallError =
  | { kind: 'subscribe'; message: string }
  | { kind: 'connect'; message: string }
  | { kind: 'timeout' }

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>

const SUBSCRIBE_TIMEOUT_MS = 10_000
const RESYNC_MIN_MS = 250
const RESYNC_MAX_MS = 8_000
/** After an auth refusal the client stops on its own; a kiosk should keep trying, slowly. */
const REFUSED_RETRY_MS = 30_000
/** While the socket is down, keep the wall roughly current over REST. */
const REST_POLL_MS = 15_000
/** A refused subscribe may be a server still warming up; ask again now and then. */
const SUBSCRIBE_RETRY_MS = 30_000

export const useLiveStore = defineStore('live', () => {
  const scope = ref<Scope>('city')
  /** Replaced (never mutated) on every change, so unchanged subtrees keep their identity. */
  const snapshot = shallowRef<LiveSnapshot | null>(null)
  /** `live:report` items received since the last snapshot, newest first. */
  const pushed = shallowRef<TickerItem[]>([])
  const connection = ref<ConnectionState>('connecting')
  const error = ref<WallError | null>(null)
  /** Fresh snapshots taken (subscribes, resyncs, REST); shown as `data-resyncs` for tests. */
  const resyncs = ref(0)

  const ticker = computed(() => mergeTicker(pushed.value, snapshot.value?.ticker ?? []))
  /** The data on screen belongs to another scope (switching, or the new one failed). */
  const stale = computed(() => snapshot.value !== null && snapshot.value.scope !== scope.value)

  let socket: LiveSocket | null = null
  let subscribeId = 0
  let inFlight = false
  let held: LivePatch[] = []
  let resyncDelay = 0
  let resyncTimer: ReturnType<typeof setTimeout> | undefined
  let refusedTimer: ReturnType<typeof setTimeout> | undefined
  let pollTimer: ReturnType<typeof setInterval> | undefined

  function takeSnapshot(next: LiveSnapshot): void {
    snapshot.value = next
    pushed.value = []
    resyncs.value++
  }

  function subscribe(): void {
    clearTimeout(resyncTimer)
    resyncTimer = undefined
    if (!socket?.connected) return // the next `connect` subscribes
    const id = ++subscribeId
    const wanted = scope.value
    inFlight = true
    held = []
    socket.timeout(SUBSCRIBE_TIMEOUT_MS).emit('live:subscribe', { scope: wanted }, (err: Error | null, res: SubscribeAck) => {
      if (id !== subscribeId) return
      inFlight = false
      if (err) {
        error.value = { kind: 'timeout' }
        scheduleResync()
        return
      }
      if (!res.ok) {
        held = []
        error.value = { kind: 'subscribe', message: res.error }
        resyncTimer = setTimeout(() => {
          resyncTimer = undefined
          subscribe()
        }, SUBSCRIBE_RETRY_MS)
        return
      }
      error.value = null
      takeSnapshot(res.snapshot)
      const replay = held.sort((a, b) => a.seq - b.seq)
      held = []
      for (const p of replay) onPatch(p)
    })
  }

  /** A gap or a timeout: subscribe again, backing off while they keep coming. */
  function scheduleResync(): void {
    if (resyncTimer !== undefined) return
    resyncDelay = Math.min(RESYNC_MAX_MS, resyncDelay === 0 ? RESYNC_MIN_MS : resyncDelay * 2)
    resyncTimer = setTimeout(() => {
      resyncTimer = undefined
      subscribe()
    }, resyncDelay)
  }

  function onPatch(p: LivePatch): void {
    if (p.scope !== scope.value) return // a scope we have left
    if (inFlight) {
      held.push(p)
      return
    }
    const current = snapshot.value
    if (!current || current.scope !== p.scope) return // not subscribed to it (yet, or it failed)
    if (p.seq <= current.seq) return // duplicate or replayed from before the snapshot
    if (p.seq !== current.seq + 1 || !isPlainObject(p.patch)) {
      scheduleResync()
      return
    }
    const next = applyMergePatch(current, p.patch)
    if (!isPlainObject(next)) {
      scheduleResync()
      return
    }
    // The envelope's seq is authoritative even if the patch body forgot to bump it.
    snapshot.value = { ...(next as unknown as LiveSnapshot), seq: p.seq }
    resyncDelay = 0
  }

  function onReport(r: TickerItem & { scopes: Scope[] }): void {
    if (!r.scopes.includes(scope.value)) return
    const { scopes: _scopes, ...item } = r
    if (snapshot.value?.ticker.some((t) => t.reportId === item.reportId)) return
    pushed.value = [item, ...pushed.value.filter((t) => t.reportId !== item.reportId)].slice(0, TICKER_MAX)
  }

  /** REST fallback while the socket is down; the socket's snapshot always wins once back. */
  const isConnected = () => connection.value === 'connected'

  async function pollRest(): Promise<void> {
    if (isConnected()) return
    const wanted = scope.value
    try {
      const res = await apiFetch(`/api/v1/live?scope=${encodeURIComponent(wanted)}`)
      if (!res.ok) return
      const body: unknown = await res.json()
      // The socket may have come back (and subscribed) while this request was out.
      if (isConnected() || scope.value !== wanted) return
      if (isPlainObject(body) && body.scope === wanted && typeof body.seq === 'number') {
        takeSnapshot(body as unknown as LiveSnapshot)
      }
    } catch {
      /* offline: the dot already says so */
    }
  }

  function setConnection(state: ConnectionState): void {
    connection.value = state
    if (state === 'connected') {
      clearInterval(pollTimer)
      pollTimer = undefined
    } else if (pollTimer === undefined) {
      pollTimer = setInterval(() => void pollRest(), REST_POLL_MS)
      // A wall that never got a snapshot should not stay blank for a whole poll period.
      if (!snapshot.value) void pollRest()
    }
  }

  function onBrowserOffline(): void {
    setConnection('offline')
  }

  function onBrowserOnline(): void {
    if (!socket || socket.connected) return
    setConnection('reconnecting')
    if (!socket.active) socket.connect()
  }

  function onReconnectAttempt(): void {
    if (navigator.onLine) setConnection('reconnecting')
  }

  function start(initial: Scope, token: string | undefined): void {
    if (socket) return
    scope.value = initial
    const s: LiveSocket = io('/live', {
      path: '/socket.io',
      auth: token ? { token } : {},
    })
    socket = s

    s.on('connect', () => {
      clearTimeout(refusedTimer)
      if (error.value?.kind === 'connect') error.value = null
      setConnection('connected')
      resyncDelay = 0
      subscribe()
    })
    s.on('disconnect', (reason) => {
      subscribeId++ // an ack from the old connection can no longer be trusted
      inFlight = false
      held = []
      if (reason === 'io server disconnect') {
        // The server dropped us on purpose; socket.io will not retry by itself.
        setConnection('reconnecting')
        refusedTimer = setTimeout(() => s.connect(), RESYNC_MAX_MS)
      } else {
        setConnection(navigator.onLine ? 'reconnecting' : 'offline')
      }
    })
    s.on('connect_error', (err) => {
      if (s.active) {
        setConnection(navigator.onLine ? 'reconnecting' : 'offline')
        return
      }
      // Refused by the server's middleware (e.g. a bad display token).
      setConnection('offline')
      error.value = { kind: 'connect', message: err.message }
      clearTimeout(refusedTimer)
      refusedTimer = setTimeout(() => s.connect(), REFUSED_RETRY_MS)
    })
    s.io.on('reconnect_attempt', onReconnectAttempt)
    s.on('live:patch', onPatch)
    s.on('live:report', onReport)

    window.addEventListener('offline', onBrowserOffline)
    window.addEventListener('online', onBrowserOnline)
  }

  /** Drill down / up without a reload: keep the old figures (dimmed) until the new ack. */
  function setScope(next: Scope): void {
    if (next === scope.value) return
    scope.value = next
    pushed.value = []
    resyncDelay = 0
    if (error.value?.kind === 'subscribe') error.value = null
    if (socket?.connected) subscribe()
    else void pollRest()
  }

  /** Page hidden or app unmounted: drop the socket quietly (no state flips, no timers left). */
  function stop(): void {
    const s = socket
    socket = null
    window.removeEventListener('offline', onBrowserOffline)
    window.removeEventListener('online', onBrowserOnline)
    if (s) {
      // Only our own listeners: the manager's others belong to socket.io itself.
      s.removeAllListeners()
      s.io.off('reconnect_attempt', onReconnectAttempt)
      s.disconnect()
    }
    subscribeId++
    inFlight = false
    held = []
    clearTimeout(resyncTimer)
    resyncTimer = undefined
    clearTimeout(refusedTimer)
    clearInterval(pollTimer)
    pollTimer = undefined
    connection.value = 'connecting'
  }

  return { scope, snapshot, ticker, connection, error, resyncs, stale, start, setScope, stop }
})
