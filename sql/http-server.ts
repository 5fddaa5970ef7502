/**
 * The embedded engine (chdb) served over the ClickHouse HTTP interface, so several processes
 * — `npm run ingest`, server replicas, `clickhouse-client`-style tools, the official JS
 * client — can share one embedded store through `CLICKHOUSE_URL`, with nothing to install.
 * It speaks the subset of the protocol those clients use:
 *
 *   GET|HEAD /ping                      → "Ok.\n"
 *   POST|GET /?query=…&param_x=…        → the query; a POST body is the query, or, when the
 *                                         URL carries `query`, the data that follows it
 *   default_format, enable_http_compression (gzip), query_id, database (one database is served)
 *
 * Query parameters are bound by the engine (`SET param_x = '…'` on a session opened for that
 * request alone, then `{x:Type}` in the query), exactly as a ClickHouse server binds `param_x`;
 * nothing from a request is spliced into the query's text. Text formats only (JSON*, TSV, CSV):
 * the engine takes the query and its data as one string. Errors come back as ClickHouse's
 * own "Code: N. DB::Exception: …" text with `X-ClickHouse-Exception-Code`.
 */
import crypto from 'node:crypto'
import http from 'node:http'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { Session } from 'chdb'
import { sameSecret } from '../server/auth/compare.ts'

export interface ChdbHttpOptions {
  /** The engine's data directory (one per process). */
  path: string
  /** Sessions (engine connections) serving requests in parallel. */
  sessions: number
  /** Basic-auth credentials every request must carry; unset: no authentication (loopback use). */
  user?: string | undefined
  password?: string | undefined
  /** Largest request body, bytes. */
  maxBodyBytes: number
}

/** URL parameters that are protocol, not settings. */
const PROTOCOL = new Set(['query', 'query_id', 'database', 'default_format', 'session_id', 'session_timeout', 'session_check', 'user', 'password', 'compress', 'decompress'])
/** Settings the JS client and curl users send that only concern the HTTP layer. */
const HTTP_ONLY = new Set(['enable_http_compression', 'wait_end_of_query', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'http_response_buffer_size', 'http_zlib_compression_level', 'output_format_json_quote_64bit_integers_in_http'])
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const gunzip = promisify(zlib.gunzip)
const inflate = promisify(zlib.inflate)

/** A ClickHouse string literal holding `raw` (the param value, already in ClickHouse's escaped text form). */
function stringLiteral(raw: string): string {
  return `'${raw.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly chCode: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * At most `size` requests run at once, each on a session of its own, opened for it and closed
 * after: nothing a request SETs (parameters, settings, readonly) can leak into the next one.
 * Opening a session on the engine already running costs well under a millisecond.
 */
function sessionSlots(path: string, size: number): { run<T>(f: (s: Session) => Promise<T>): Promise<T> } {
  let free = size
  const waiting: Array<() => void> = []
  return {
    async run(f) {
      if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve))
      else free--
      const session = new Session(path)
      try {
        return await f(session)
      } finally {
        session.close()
        const next = waiting.shift()
        if (next) next()
        else free++
      }
    },
  }
}

function authorised(req: http.IncomingMessage, opts: ChdbHttpOptions, url: URL): boolean {
  if (opts.user === undefined) return true
  let user = req.headers['x-clickhouse-user'] as string | undefined
  let password = req.headers['x-clickhouse-key'] as string | undefined
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  if (basic) {
    const text = Buffer.from(basic[1]!, 'base64').toString('utf8')
    const i = text.indexOf(':')
    user = text.slice(0, i)
    password = text.slice(i + 1)
  }
  user ??= url.searchParams.get('user') ?? undefined
  password ??= url.searchParams.get('password') ?? undefined
  return user !== undefined && password !== undefined && sameSecret(user, opts.user) && sameSecret(password, opts.password ?? '')
}

async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  let tooLarge = false
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length
    // Read to the end (and drop) so the client gets the 413, not a reset connection.
    if (size > max) tooLarge = true
    else chunks.push(c)
  }
  if (tooLarge) throw new ClientError(413, 1001, `the request body is larger than ${max} bytes`)
  const body = Buffer.concat(chunks)
  const enc = (req.headers['content-encoding'] ?? '').toLowerCase()
  try {
    // maxOutputLength: a small compressed body must not inflate past the limit.
    if (enc === 'gzip') return await gunzip(body, { maxOutputLength: max })
    if (enc === 'deflate') return await inflate(body, { maxOutputLength: max })
  } catch (e) {
    throw new ClientError((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 413 : 400, 1001, `the ${enc} body could not be read: ${(e as Error).message}`)
  }
  if (enc !== '' && enc !== 'identity') throw new ClientError(400, 1001, `unsupported Content-Encoding ${enc}`)
  return body
}

export function createChdbHttpServer(opts: ChdbHttpOptions): http.Server {
  const slots = sessionSlots(opts.path, opts.sessions)

  async function run(req: http.IncomingMessage, url: URL): Promise<{ body: Buffer; format: string; rowsRead: number; bytesRead: number; elapsed: number }> {
    const params: Array<[string, string]> = []
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) {
        const name = k.slice(6)
        if (!PARAM_NAME.test(name)) throw new ClientError(400, 36, `bad query parameter name "${name}"`)
        params.push([name, v])
      } else if (!PROTOCOL.has(k) && !HTTP_ONLY.has(k)) {
        throw new ClientError(400, 115, `Code: 115. DB::Exception: Setting ${k} in the URL is not supported by this server; put it in the query's SETTINGS clause. (UNKNOWN_SETTING)`)
      }
    }
    const body = req.method === 'POST' ? await readBody(req, opts.maxBodyBytes) : Buffer.alloc(0)
    const urlQuery = url.searchParams.get('query')
    const sql = urlQuery !== null ? (body.length > 0 ? `${urlQuery}\n${body.toString('utf8')}` : urlQuery) : body.toString('utf8')
    if (sql.trim() === '') throw new ClientError(400, 62, 'Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)')
    const format = url.searchParams.get('default_format') ?? 'TabSeparated'
    return slots.run(async (session) => {
      for (const [name, value] of params) await session.queryAsync(`SET param_${name} = ${stringLiteral(value)}`)
      const r = await session.queryAsync(sql, { format })
      const bytes = r.bytes()
      return { body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), format, rowsRead: r.rowsRead, bytesRead: r.bytesRead, elapsed: r.elapsed }
    })
  }

  const server = http.createServer((req, res) => {
    try {
      handle(req, res)
    } catch (e) {
      // Nothing a request sends may take the store down: answer it, keep serving.
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': '1001' })
      res.end(`Code: 1001. DB::Exception: ${(e as Error)?.message ?? String(e)}\n`)
    }
  })

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://store')
    if ((req.method === 'GET' || req.method === 'HEAD') && (url.pathname === '/ping' || url.pathname === '/replicas_status')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n')
      return
    }
    if (url.pathname !== '/' || (req.method !== 'POST' && req.method !== 'GET')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('There is no handle ' + url.pathname + '\n')
      return
    }
    const queryId = url.searchParams.get('query_id') ?? crypto.randomUUID()
    if (!authorised(req, opts, url)) {
      req.resume()
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': '516' }).end('Code: 516. DB::Exception: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)\n')
      return
    }
    run(req, url).then(
      (r) => {
        const summary = { read_rows: String(r.rowsRead), read_bytes: String(r.bytesRead), written_rows: '0', written_bytes: '0', total_rows_to_read: '0', result_rows: '0', result_bytes: String(r.body.length), elapsed_ns: String(Math.round(r.elapsed * 1e9)) }
        const headers: Record<string, string> = {
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Query-Id': queryId,
          'X-ClickHouse-Format': r.format,
          'X-ClickHouse-Timezone': 'UTC',
          'X-ClickHouse-Summary': JSON.stringify(summary),
        }
        const gzip = url.searchParams.get('enable_http_compression') === '1' && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
        if (gzip) headers['Content-Encoding'] = 'gzip'
        res.writeHead(200, headers).end(gzip ? zlib.gzipSync(r.body) : r.body)
      },
      (e: unknown) => {
        const message = (e as Error)?.message ?? String(e)
        const code = e instanceof ClientError ? e.chCode : Number(/Code: (\d+)/.exec(message)?.[1] ?? 1001)
        const status = e instanceof ClientError ? e.status : code === 62 ? 400 : code === 60 || code === 81 ? 404 : 500
        const text = /^Code: \d+\./.test(message) ? message : `Code: ${code}. DB::Exception: ${message}`
        if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(code), 'X-ClickHouse-Query-Id': queryId })
        res.end(`${text}\n`)
      },
    )
  }
  return server
}
