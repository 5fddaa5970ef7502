/** Answer of `POST /api/v1/reports` and `POST /api/v1/visits` (DESIGN §3). */
export interface IngestResult {
  accepted: number
  duplicates: number
  rejected: Rejection[]
}

/** Why a row was refused, as a code to branch on (the `error` text is for people). */
export type RejectReason = 'json' | 'utf8' | 'schema' | 'future' | 'too_old' | 'unknown_micro_grid' | 'scope' | 'id_conflict'

/** One refused row: its index in the request, the field at fault ('' for the whole row), a sentence naming both. */
export interface Rejection {
  index: number
  field: string
  reason: RejectReason
  error: string
}
