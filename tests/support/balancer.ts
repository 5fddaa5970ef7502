/**
 * A TCP load balancer for tests, in front of server replicas as a real one would be: each new
 * connection goes to the next backend in turn (`roundRobin`) or to the first that accepts
 * (`failover`); a backend that refuses is skipped. When a backend dies, the connections it held
 * close, and clients that reconnect land on a live one.
 */
import net from 'node:net'
import type { AddressInfo } from 'node:net'

export interface Balancer {
  url: string
  /** Which backend (index) each accepted connection went to, in order. */
  routed: number[]
  close(): Promise<void>
}

export async function startBalancer(backends: readonly number[], mode: 'roundRobin' | 'failover' = 'failover'): Promise<Balancer> {
  let next = 0
  const routed: number[] = []
  const open = new Set<net.Socket>()
  const server = net.createServer((client) => {
    open.add(client)
    client.on('close', () => open.delete(client))
    client.on('error', () => client.destroy())
    client.pause()
    const start = mode === 'roundRobin' ? next++ % backends.length : 0
    const attempt = (tried: number) => {
      if (tried === backends.length) return client.destroy()
      const i = (start + tried) % backends.length
      const upstream = net.connect(backends[i]!, '127.0.0.1')
      upstream.once('error', () => {
        upstream.destroy()
        attempt(tried + 1)
      })
      upstream.once('connect', () => {
        routed.push(i)
        open.add(upstream)
        upstream.on('close', () => {
          open.delete(upstream)
          client.destroy()
        })
        upstream.on('error', () => upstream.destroy())
        client.on('close', () => upstream.destroy())
        client.pipe(upstream)
        upstream.pipe(client)
        client.resume()
      })
    }
    attempt(0)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A free TCP port on loopback (for processes, like redis-server, that can't pick their own). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
