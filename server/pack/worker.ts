/** The pack's worker thread: builds PDFs and workbooks off the event loop that serves the wall's sockets. */
import { parentPort } from 'node:worker_threads'
import { buildPack } from './build.ts'
import type { ToPackWorker } from './runner.ts'

parentPort!.on('message', async (m: ToPackWorker) => {
  try {
    const bytes = await buildPack(m.job)
    // A fresh ArrayBuffer that can be transferred, not copied (a Buffer may share a pooled one).
    const out = new Uint8Array(bytes.byteLength)
    out.set(bytes)
    parentPort!.postMessage({ id: m.id, bytes: out }, [out.buffer])
  } catch (e) {
    parentPort!.postMessage({ id: m.id, failed: String((e as Error)?.stack ?? e) })
  }
})
