/**
 * How a server replica takes part in the cluster (server/cluster/cluster.ts): its live hub leads
 * or follows, its ingest's new reports reach every replica's ticker, and what its admins change
 * (users, keys, sessions, the SLA, the registry) is announced so the others read it again —
 * announced by the stores when they write, so only real changes make the others read.
 */
import type { Cluster, Changed } from './cluster.ts'
import type { LiveHub, LiveRelay } from '../live/hub.ts'
import type { Ingest } from '../../ingest/pipeline.ts'
import type { UserStore } from '../auth/users.ts'
import type { KeyStore } from '../auth/keys.ts'
import type { SessionStore } from '../auth/sessions.ts'
import type { SlaStore } from '../sla.ts'
import type { Logger } from '../log.ts'

/** Each replica reads users, keys, sessions and the SLA again this often: a missed announcement heals. */
const RELOAD_MS = 30_000

export function liveRelay(cluster: Cluster, leaseMs: number, tickMs: number): LiveRelay {
  return {
    leading: () => cluster.live.held(),
    term: () => cluster.live.term,
    publishTick: (msg) => cluster.publish('tick', msg),
    requestSync: () => cluster.publish('sync', {}),
    // Long enough for a dead leader's lease to run out, another to take it and send its first tick.
    syncWaitMs: 2 * leaseMs + 4 * tickMs,
  }
}

export interface ReplicaParts {
  cluster: Cluster
  hub: LiveHub
  ingest: Ingest
  users: UserStore
  keys: KeyStore
  sessions: SessionStore
  sla: SlaStore
  /** Reads the registry again and recomputes (another replica imported one). */
  reloadRegistry: () => Promise<void>
  /** After keys or sessions are read again: close sockets whose key or session ended. */
  dropEnded: () => void
  log: Logger
}

/** Wires the replica's parts to the cluster; returns what stops the periodic reload. */
export function joinCluster(p: ReplicaParts): { stop(): void } {
  const { cluster, hub, log } = p
  cluster.on('tick', (msg) => hub.applyTick(msg))
  cluster.on('sync', () => hub.syncRequested())
  cluster.live.onChange((held) => hub.leadershipChanged(held))

  p.ingest.onTicker((items) => cluster.publish('ingest', { ticker: [...items] }))
  cluster.on('ingest', (msg) => hub.onTicker(msg.ticker))

  const announce = (what: Changed) => () => cluster.publish('changed', { what })
  p.users.onWrite(announce('users'))
  p.keys.onWrite(announce('keys'))
  p.sessions.onWrite(announce('sessions'))
  p.sla.onWrite(announce('sla'))

  const failed = (what: string) => (e: unknown) => log.warn('reading again what another replica changed failed', { what, error: String(e) })
  const reload: Record<Changed, () => Promise<unknown>> = {
    users: () => p.users.load(),
    keys: () => p.keys.load().then(p.dropEnded),
    sessions: () => p.sessions.load().then(p.dropEnded),
    sla: () => p.sla.load().then(() => hub.markDirty()),
    registry: p.reloadRegistry,
  }
  cluster.on('changed', ({ what }) => void reload[what]().catch(failed(what)))
  const timer = setInterval(() => {
    for (const what of ['users', 'keys', 'sessions', 'sla'] as const) void reload[what]().catch(failed(what))
  }, RELOAD_MS)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
