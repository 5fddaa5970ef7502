/**
 * The scaled setup's read-only ClickHouse user (sql/clickhouse/analyst-user.sh) is granted
 * exactly the tables the SQL console opens (CONSOLE_TABLES): a table opened in one place and not
 * the other would be refused by the server or readable past the console's own check.
 */
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONSOLE_TABLES } from '../../server/console/guard.ts'

describe('the analyst user’s grants', () => {
  it('name the console’s open tables, no more, no fewer', () => {
    const script = fs.readFileSync('sql/clickhouse/analyst-user.sh', 'utf8')
    const list = /^for t in ([\w ]+); do$/m.exec(script)?.[1]?.split(' ')
    expect(list).toBeDefined()
    expect([...list!].sort()).toEqual([...CONSOLE_TABLES].sort())
  })
})
