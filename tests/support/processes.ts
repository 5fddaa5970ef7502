/**
 * Real child processes for tests: `npm start`, `npm run ingest` and `npm run store` as users
 * run them (node itself with tsx, so a signal reaches the process that owns the store).
 */
import { spawn, type ChildProcess } from 'node:child_process'

export interface Child {
  proc: ChildProcess
  /** The first capture group of `ready` in its stdout (e.g. the URL it listens on). */
  url: string
  /** Everything it wrote to stderr so far (structured logs). */
  stderr: () => string
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Starts `node --import tsx <entry>` and resolves once stdout matches `ready`. */
export function startChild(entry: string, env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start within ${timeoutMs} ms: ${out} ${err.slice(-2000)}`)), timeoutMs)
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = ready.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({
          proc,
          url: m[1]!,
          stderr: () => err,
          kill: (signal = 'SIGKILL') =>
            new Promise<void>((done) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return done()
              proc.once('exit', () => done())
              proc.kill(signal)
            }),
        })
      }
    })
    proc.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${entry} exited with ${code} before starting: ${out} ${err.slice(-2000)}`))
    })
  })
}

/** Polls `check` until it returns true (or throws after `ms`). */
export async function eventually(check: () => Promise<boolean>, ms = 30_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > until) throw new Error(`${what} not reached within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** One gauge or counter from a process's `/metrics` (loopback needs no token). */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  if (!m) throw new Error(`${name} not in ${url}/metrics`)
  return Number(m[1])
}
