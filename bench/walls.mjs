// The bench's walls: N real Socket.IO clients in a child process of their own (so their parsing
// doesn't share the event loop of the server they measure; they still share the machine's
// cores). Plain JS, driven over IPC by bench/walls.ts:
//   {cmd: 'connect', url, token, scopes, count} → {connected, subscribeMs: [...]}
//   {cmd: 'measure'} starts recording, {cmd: 'report'} → {arrivals: [[asOf, arrival], ...], patches, gaps}
//   {cmd: 'close'}
// Each patch's arrival is recorded with its `asOf` (the tick that made it); bench/walls.ts
// matches it with when that tick began to push. Both clocks are this machine's.
import { io } from 'socket.io-client'

const sockets = []
let recording = false
let arrivals = []
let patches = 0
let gaps = 0

async function connect({ url, token, scopes, count }) {
  const subscribeMs = []
  const one = (i) =>
    new Promise((resolve, reject) => {
      const scope = scopes[i % scopes.length]
      const s = io(`${url}/live`, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } })
      let seq = -1
      s.on('live:patch', (p) => {
        if (p.seq !== seq + 1) gaps++
        seq = p.seq
        if (!recording) return
        patches++
        if (p.patch.asOf) arrivals.push([Date.parse(p.patch.asOf), Date.now()])
      })
      s.once('connect_error', reject)
      s.once('connect', () => {
        const t = performance.now()
        s.timeout(30_000).emit('live:subscribe', { scope }, (err, ack) => {
          if (err || !ack.ok) return reject(new Error(`subscribe ${scope}: ${err ?? ack.error}`))
          subscribeMs.push(performance.now() - t)
          seq = ack.snapshot.seq
          resolve()
        })
      })
      sockets.push(s)
    })
  // A few at a time, as walls come up over a morning rather than in one instant.
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => one(i + k)))
  return { connected: sockets.length, subscribeMs }
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'connect') process.send(await connect(msg))
    else if (msg.cmd === 'measure') {
      arrivals = []
      patches = 0
      gaps = 0
      recording = true
      process.send({ ok: true })
    } else if (msg.cmd === 'report') {
      recording = false
      process.send({ arrivals, patches, gaps })
    } else if (msg.cmd === 'close') {
      for (const s of sockets) s.close()
      process.exit(0)
    }
  } catch (e) {
    process.send({ error: String(e?.message ?? e) })
  }
})
