/**
 * What every GridPulse entry point (`npm start`, `npm run ingest`, `npm run store`) does with
 * its process: a configuration error ends it with exit code 2 and one clear line; SIGINT and
 * SIGTERM close it gracefully, with a hard deadline so a stuck socket or query can't keep it up.
 */
import { ConfigError } from './config.ts'
import type { Logger } from './log.ts'

/** Runs `start`; a ConfigError it throws ends the process with code 2, anything else with 1. */
export async function startOrExit<T>(start: () => Promise<T> | T, log: Logger): Promise<T> {
  try {
    return await start()
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Configuration error: ${e.message}`)
      process.exit(2)
    }
    log.error('start failed', { error: String(e), stack: (e as Error)?.stack })
    process.exit(1)
  }
}

/** Closes gracefully on SIGINT/SIGTERM, exiting 0 when `close` resolves and 1 past `deadlineMs`. */
export function stopOnSignals(close: () => Promise<void>, log: Logger, deadlineMs = 10_000): void {
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('stopping', { signal })
    setTimeout(() => process.exit(1), deadlineMs).unref()
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}
