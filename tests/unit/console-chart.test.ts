/**
 * The SQL console's quick chart and CSV (dashboard/src/lib): the chart kind is guessed from the
 * column types — a line over time, bars by category, a heatmap over two labels — its data follow
 * the rows (time sorted left to right, a series per second label), and CSV opens in Excel with
 * Chinese text and awkward fields intact.
 */
import { describe, expect, it } from 'vitest'
import { chartData, chartKinds } from '../../dashboard/src/lib/consoleChart.ts'
import { toCsv } from '../../dashboard/src/lib/csv.ts'

const col = (name: string, type: string) => ({ name, type })

describe('quick chart', () => {
  it('guesses the kind from the column types', () => {
    expect(chartKinds([col('day', 'Date'), col('n', 'UInt64')])[0]).toBe('line')
    expect(chartKinds([col('at', "DateTime64(3, 'UTC')"), col('n', 'Nullable(Float64)')])[0]).toBe('line')
    expect(chartKinds([col('street', 'String'), col('n', 'UInt64')])[0]).toBe('bar')
    expect(chartKinds([col('street', 'LowCardinality(String)'), col('category', 'String'), col('n', 'Int32')])[0]).toBe('heatmap')
    expect(chartKinds([col('x', 'Float64'), col('y', 'Float64')])[0]).toBe('line')
    expect(chartKinds([col('street', 'String')])).toEqual([])
    expect(chartKinds([col('n', 'UInt64')])).toEqual([])
  })

  it('draws time left to right, a series per numeric column', () => {
    const d = chartData('line', [col('day', 'Date'), col('a', 'UInt64'), col('b', 'Float64')], [['2026-11-02', '3', 1.5], ['2026-11-01', '2', null]])
    expect(d.x).toEqual(['2026-11-01', '2026-11-02'])
    expect(d.series).toEqual([
      { name: 'a', values: [2, 3] },
      { name: 'b', values: [null, 1.5] },
    ])
  })

  it('makes a series per value of a second label, and heatmap cells over two labels', () => {
    const cols = [col('day', 'Date'), col('street', 'String'), col('n', 'UInt64')]
    const rows = [['2026-11-01', 'A', '1'], ['2026-11-01', 'B', '2'], ['2026-11-02', 'A', '3']]
    const line = chartData('line', cols, rows)
    expect(line.x).toEqual(['2026-11-01', '2026-11-02'])
    expect(line.series).toEqual([
      { name: 'A', values: [1, 3] },
      { name: 'B', values: [2, null] },
    ])
    const heat = chartData('heatmap', cols, rows)
    expect(heat.x).toEqual(['2026-11-01', '2026-11-02'])
    expect(heat.y).toEqual(['A', 'B'])
    expect(heat.cells).toEqual([[0, 0, 1], [0, 1, 2], [1, 0, 3]])
    expect(heat.max).toBe(3)
  })
})

describe('CSV export', () => {
  it('starts with a BOM, quotes what needs it, and writes NULL as empty', () => {
    expect(toCsv(['名称', 'n', 'note'], [['大弯街道', '3', 'a,"b"\nc'], [null, 1, { k: 1 }]])).toBe('\uFEFF名称,n,note\r\n大弯街道,3,"a,""b""\nc"\r\n,1,"{""k"":1}"\r\n')
  })

  it('keeps a spreadsheet from running text as a formula, but leaves negative numbers alone', () => {
    expect(toCsv(['a', 'b'], [['=HYPERLINK("x")', '-5'], ['@SUM(A1)', '+1']])).toBe('\uFEFFa,b\r\n"\'=HYPERLINK(""x"")",-5\r\n\'@SUM(A1),+1\r\n')
  })
})
