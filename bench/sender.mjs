// The bench's load generator: sends prepared bodies from `senders` concurrent clients, in a
// worker thread so the client side of HTTP doesn't share the event loop of the server it
// measures (it still shares the machine's cores). Plain JS: nothing to compile in a worker.
import { parentPort, workerData } from 'node:worker_threads'

const { url, key, bodies, senders, contentType } = workerData
let next = 0
const t0 = performance.now()
await Promise.all(
  Array.from({ length: senders }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++]
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body })
      if (!res.ok) throw new Error(`ingest ${res.status}: ${await res.text()}`)
      await res.text()
    }
  }),
)
parentPort.postMessage({ ms: performance.now() - t0 })
