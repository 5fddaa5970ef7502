/**
 * A result as CSV for Excel and WPS: UTF-8 with a BOM (or Chinese text opens garbled), CRLF
 * line ends, every field quoted when it holds a comma, quote or line break (RFC 4180). Text that
 * a spreadsheet would run as a formula (=, +, -, @ first, and not a number) gets a leading '.
 */
export function toCsv(columns: string[], rows: unknown[][]): string {
  const field = (v: unknown): string => {
    let s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
    if (/^[=+\-@\t\r]/.test(s) && !Number.isFinite(Number(s))) s = `'${s}`
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return `\uFEFF${[columns, ...rows].map((r) => r.map(field).join(',')).join('\r\n')}\r\n`
}
