/** An ingest worker thread: runs `processBody` on request bodies off the main event loop. */
import { parentPort, workerData } from 'node:worker_threads'
import { processBody, type ProcessInput } from '../process.ts'
import { Registry } from '../registry/registry.ts'
import type { Place } from '../../server/contracts/registry.ts'
import type { ToWorker } from './pool.ts'

// Ids hashed here are looked up on the main thread: without its seed (id-table.ts), every resend
// would be missed. A pool that forgot to pass it must fail loudly, not count events twice.
if (typeof (workerData as { idSeed?: unknown } | null)?.idSeed !== 'number') throw new Error('an ingest worker needs the main thread\'s id seed (workerData.idSeed)')

let registry = new Registry([])

parentPort!.on('message', (m: ToWorker) => {
  if (m.type === 'registry') {
    registry = new Registry(m.places as Place[])
    return
  }
  const input: ProcessInput = { ...m.input, body: Buffer.from(m.input.body.buffer, m.input.body.byteOffset, m.input.body.byteLength) }
  let result
  try {
    result = processBody(input, registry)
  } catch (e) {
    // A bug must fail this request only, not the worker and every request queued on it.
    parentPort!.postMessage({ id: m.id, failed: String((e as Error)?.stack ?? e) })
    return
  }
  if (result.ok) {
    // Handed over, not copied: the lines and every per-row array are the worker's own buffers.
    const b = result.batch
    const own = [b.lines, b.idHashes, b.index.keys, b.index.rows, b.hashes, b.indexes, b.ats].map((a) => a.buffer as ArrayBuffer)
    parentPort!.postMessage({ id: m.id, result }, own)
  } else parentPort!.postMessage({ id: m.id, result })
})
