/**
 * Stored rows as the store takes them: one JSONCompactEachRow line per event, columns in the
 * order of `COLUMNS`. A line is built once, at ingest, and then travels unchanged: into the
 * spool, out of it, into the insert. The content part (everything but when and from whom it
 * arrived) is hashed, so a resend is told apart from an id reused for other content.
 */
import type { MicroGridPath } from './registry/registry.ts'
import type { EventKind, ReportEvent, VisitEvent } from './schema.ts'
import { redact } from './redact.ts'
import { chTime } from '../sql/queries.ts'

/** Tables the ingest writes, by stream. */
export const TABLES = { reports: 'report_events', visits: 'visit_events' } as const satisfies Record<EventKind, string>

/** Column order of each stream's lines: the content columns, then the arrival columns. */
export const COLUMNS = {
  reports: ['event_id', 'report_id', 'type', 'at', 'micro_grid', 'grid', 'community', 'street', 'district', 'category', 'channel', 'reporter_role', 'severity', 'lat', 'lon', 'department', 'note', 'received_at', 'source', 'content_hash'],
  visits: ['event_id', 'at', 'micro_grid', 'grid', 'community', 'street', 'district', 'worker_id', 'worker_role', 'household', 'groups', 'kind', 'duration_min', 'follow_up', 'note', 'received_at', 'source', 'content_hash'],
} as const satisfies Record<EventKind, readonly string[]>

/** FNV-1a's offset basis: where the content fingerprint starts (ingest/id-table.ts starts from a secret one). */
export const FNV_BASIS = 0x811c9dc5

/** 32-bit FNV-1a of a string's UTF-16 code units: the content fingerprint (not a security hash). */
export function fnv1a(s: string, basis = FNV_BASIS): number {
  // An int32 from the start: a basis past 2^31 kept as a double slows the loop (see contentHash).
  let h = basis | 0
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** The place columns every row carries, in column order: micro-grid up to district. */
function placeColumns(path: MicroGridPath): string[] {
  return [path.micro_grid, path.grid, path.community, path.street, path.district]
}

/** The content of a report event, in column order (up to `note`). */
export function reportContent(e: ReportEvent, at: number, path: MicroGridPath): unknown[] {
  return [
    e.event_id,
    e.report_id,
    e.type,
    chTime(at),
    ...placeColumns(path),
    e.category ?? '',
    e.channel ?? '',
    e.reporter_role ?? '',
    e.severity ?? 0,
    e.lat ?? null,
    e.lon ?? null,
    e.department ?? '',
    e.note ? redact(e.note) : '',
  ]
}

/** The content of a visit event, in column order (up to `note`). */
export function visitContent(e: VisitEvent, at: number, path: MicroGridPath): unknown[] {
  return [
    e.event_id,
    chTime(at),
    ...placeColumns(path),
    e.worker_id,
    e.worker_role,
    e.household,
    [...new Set(e.groups)],
    e.kind,
    e.duration_min ?? null,
    e.follow_up ? 1 : 0,
    e.note ? redact(e.note) : '',
  ]
}

/**
 * The arrival columns of every line of one request, as the text that closes the line:
 * `,"<received_at>","<source>",` — the content hash and `]` follow.
 */
export function arrivalSuffix(receivedAt: number, source: string): string {
  return `,${JSON.stringify(chTime(receivedAt))},${JSON.stringify(source)},`
}

/** One line: the content JSON array with the arrival columns and the hash appended. */
export function rowLine(contentJson: string, suffix: string, hash: number): string {
  return `${contentJson.slice(0, -1)}${suffix}${hash}]\n`
}

/** The event id and content hash of a stored line (for rebuilding the dedupe memory on replay). */
export function lineIdentity(line: string): { eventId: string; hash: number } {
  const row = JSON.parse(line) as unknown[]
  return { eventId: String(row[0]), hash: Number(row[row.length - 1]) }
}
