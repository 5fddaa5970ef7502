/** Answer of `POST /api/v1/reports` and `POST /api/v1/visits` (DESIGN §3). */
export interface IngestResult {
  accepted: number
  duplicates: number
  rejected: Array<{ index: number; error: string }>
}
