/**
 * The analysts' SQL console (issue 7): what `POST /api/v1/sql` answers and the schema, history
 * and saved queries the page shows. Shared by the server and the dashboard.
 */

export interface ConsoleColumn {
  name: string
  /** The engine's type, e.g. `DateTime64(3, 'UTC')`. */
  type: string
}

export interface ConsoleResult {
  /** The run's id (cancel it with POST /api/v1/sql/cancel). */
  runId: string
  columns: ConsoleColumn[]
  /** Rows as arrays in column order, as the engine's JSON gives them (64-bit integers as strings, so no digit is lost). */
  rows: unknown[][]
  rowCount: number
  /** More rows than the console's limit matched; `rows` holds the first ones. */
  truncated: boolean
  elapsedMs: number
}

/** `POST /api/v1/sql` body. */
export interface ConsoleRequest {
  query: string
  /** EXPLAIN the query instead of running it. */
  explain?: 'plan' | 'pipeline' | 'syntax'
  /** Rows to return at most (the server's limit caps it). */
  limit?: number
  /** A client-made UUID, so the run can be cancelled while it runs. */
  runId?: string
}

/** An answer the console refused or the engine failed: `refused` says which. */
export interface ConsoleError {
  error: string
  refused?: boolean
}

export interface ConsoleTable {
  table: string
  engine: string
  comment: string
  columns: Array<{ name: string; type: string; comment: string }>
}

export interface ConsoleHistoryEntry {
  /** ms since epoch */
  at: number
  via: 'console' | 'http'
  query: string
  status: 'ok' | 'refused' | 'failed' | 'cancelled'
  error: string
  rows: number
  elapsedMs: number
}

export interface SavedQuery {
  id: string
  owner: string
  name: string
  query: string
  /** ms since epoch */
  createdAt: number
}
