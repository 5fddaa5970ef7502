// The bench's load generator: sends prepared bodies from `senders` concurrent clients, in a
// worker thread so the client side of HTTP doesn't share the event loop of the server it
// measures (it still shares the machine's cores). Plain JS: nothing to compile in a worker.
// node:http with keep-alive and bodies encoded once up front: a sender as light as a client can
// be, since on a real deployment the sources are other machines (fetch re-encoded each string
// body and copied it through a web stream: a few µs an event taken from the server's two cores).
import http from 'node:http'
import { parentPort, workerData } from 'node:worker_threads'

const { url, key, bodies, senders, contentType } = workerData
const target = new URL(url)
const agent = new http.Agent({ keepAlive: true, maxSockets: senders })
const encoded = bodies.map((b) => Buffer.from(b))

function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': contentType, 'content-length': body.length } },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => (res.statusCode >= 200 && res.statusCode < 300 ? resolve() : reject(new Error(`ingest ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 500)}`))))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

// Ready once the bodies are encoded: the parent starts its clock at the first message.
parentPort.postMessage({ ready: true })
await new Promise((r) => parentPort.once('message', r))
let next = 0
const t0 = performance.now()
await Promise.all(
  Array.from({ length: senders }, async () => {
    while (next < encoded.length) await post(encoded[next++])
  }),
)
agent.destroy()
parentPort.postMessage({ ms: performance.now() - t0 })
