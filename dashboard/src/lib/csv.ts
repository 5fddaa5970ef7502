/**
 * A result as CSV for Excel and WPS: UTF-8 with a BOM (or Chinese text opens garbled), CRLF
 * line ends, every field quoted when it holds a comma, quote or line break (RFC 4180).
 */
export function toCsv(columns: string[], rows: unknown[][]): string {
  const field = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return `\uFEFF${[columns, ...rows].map((r) => r.map(field).join(',')).join('\r\n')}\r\n`
}
