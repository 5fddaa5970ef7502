/**
 * Fixtures for integration and browser tests: a real GridPulse (embedded ClickHouse, real
 * HTTP, real Socket.IO) on port 0 with a throwaway data dir; the demo registry without events
 * unless a test asks for more. One per test file (chdb binds one data dir per process).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { io as ioClient, type Socket } from 'socket.io-client'
import { loadConfig } from '../../server/config.ts'
import { startGridPulse, type GridPulse } from '../../server/gridpulse.ts'
import { createLogger } from '../../server/log.ts'
import type { ClientToServerEvents, LivePatch, LiveSnapshot, ServerToClientEvents, SubscribeAck } from '../../server/contracts/live.ts'
import type { IngestResult } from '../../server/contracts/ingest.ts'
import { applyMergePatch } from '../../server/contracts/mergePatch.ts'
import { localDayStart } from '../../server/live/localTime.ts'

export const INGEST_KEY = 'test-ingest-key-0123456789'
export const DISPLAY_TOKEN = 'test-display-token-0123456789'
export const ADMIN_PASSWORD = 'test-admin-password-0123'

export interface TestApp extends GridPulse {
  dataDir: string
  /** The app's clock: real time shifted so "today" started 12 hours ago (or `localTime`), whenever tests run. */
  now: () => number
  post(kind: 'reports' | 'visits', body: unknown, opts?: { key?: string | null; ndjson?: boolean }): Promise<{ status: number; body: IngestResult & { error?: string }; headers: Headers }>
  /** Waits until every acknowledged event is in the store, then recomputes the live figures and folds the review rollups. */
  settle(): Promise<void>
  stopAndClean(): Promise<void>
}

export interface TestAppOptions {
  /** Where in the local day the app's clock starts, ms after midnight (default noon). */
  localTime?: number
}

/** `env.DATA_DIR` and `env.PORT` may name an earlier app's, to restart it in place. */
export async function startTestApp(env: Record<string, string> = {}, opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-test-'))
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      GRIDPULSE_DEMO: 'registry',
      GRIDPULSE_INGEST_KEY: INGEST_KEY,
      GRIDPULSE_DISPLAY_TOKEN: DISPLAY_TOKEN,
      GRIDPULSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LIVE_TICK_MS: '100',
      INGEST_FLUSH_MS: '20',
      ...env,
    },
    {},
  )
  // Pinned to local noon (Asia/Shanghai) so figures of "today" never straddle midnight, unless
  // a test asks for another time of day (to watch midnight pass).
  const realStart = Date.now()
  const start = localDayStart(realStart, config.tz) + (opts.localTime ?? 12 * 3_600_000)
  const now = () => start + (Date.now() - realStart)
  const gp = await startGridPulse(config, createLogger('test', true), { now })
  return {
    ...gp,
    dataDir,
    now,
    async post(kind, body, opts = {}) {
      const headers: Record<string, string> = { 'content-type': opts.ndjson ? 'application/x-ndjson' : 'application/json' }
      const key = opts.key === undefined ? INGEST_KEY : opts.key
      if (key !== null) headers.authorization = `Bearer ${key}`
      const res = await fetch(`${gp.url}/api/v1/${kind}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
      return { status: res.status, body: (await res.json()) as IngestResult & { error?: string }, headers: res.headers }
    },
    async settle() {
      await gp.ingest.drain()
      await Promise.all([gp.hub.refresh(), gp.rollups.fold()])
    },
    async stopAndClean() {
      await gp.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/** A real Socket.IO client that subscribes and keeps its snapshot current from patches. */
export async function liveClient(url: string, scope: string, auth: { token?: string; cookie?: string } = { token: DISPLAY_TOKEN }): Promise<{ socket: LiveSocket; current: () => LiveSnapshot; patches: LivePatch[]; waitFor: (pred: (s: LiveSnapshot) => boolean, ms?: number) => Promise<LiveSnapshot> }> {
  const socket = connectLive(url, auth)
  const patches: LivePatch[] = []
  let snapshot: LiveSnapshot | undefined
  const listeners = new Set<() => void>()
  socket.on('live:patch', (p) => {
    patches.push(p)
    if (snapshot && p.scope === snapshot.scope) {
      snapshot = applyMergePatch(snapshot, p.patch)
      listeners.forEach((l) => l())
    }
  })
  const ack = await socket.timeout(10_000).emitWithAck('live:subscribe', { scope })
  if (!ack.ok) throw new Error(`subscribe failed: ${ack.error}`)
  snapshot = ack.snapshot
  return {
    socket,
    patches,
    current: () => snapshot!,
    waitFor: (pred, ms = 10_000) =>
      new Promise((resolve, reject) => {
        if (pred(snapshot!)) return resolve(snapshot!)
        const check = () => {
          if (pred(snapshot!)) {
            listeners.delete(check)
            clearTimeout(timer)
            resolve(snapshot!)
          }
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`live snapshot did not reach the expected state in ${ms} ms; last: ${JSON.stringify(snapshot!.today)}`))
        }, ms)
        listeners.add(check)
      }),
  }
}

/** A Socket.IO client of `/live`, authenticated by a display token or a session cookie. */
export function connectLive(url: string, auth: { token?: string; cookie?: string } = { token: DISPLAY_TOKEN }): LiveSocket {
  return ioClient(`${url}/live`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: auth.token ? { token: auth.token } : {},
    extraHeaders: auth.cookie ? { cookie: auth.cookie } : {},
  })
}

export async function subscribeOnce(url: string, scope: unknown, auth: { token?: string; cookie?: string } = { token: DISPLAY_TOKEN }): Promise<SubscribeAck> {
  const socket = connectLive(url, auth)
  try {
    return await socket.timeout(10_000).emitWithAck('live:subscribe', { scope } as { scope: string })
  } finally {
    socket.close()
  }
}

/** A signed-in browser, as far as the server can tell: its cookie and CSRF token. */
export interface SignedIn {
  cookie: string
  csrf: string
}

export async function signIn(url: string, username: string, password: string): Promise<SignedIn> {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (res.status !== 200) throw new Error(`sign-in of ${username} failed: ${res.status} ${await res.text()}`)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
  const body = (await res.json()) as { csrfToken: string }
  return { cookie, csrf: body.csrfToken }
}
