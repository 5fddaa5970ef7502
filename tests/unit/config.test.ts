import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/config.ts'

describe('the config module', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({}, {})
    expect(c.port).toBe(8080)
    expect(c.tz).toBe('Asia/Shanghai')
    expect(c.demo).toBe('full')
    expect(c.clickhouseUrl).toBeUndefined()
    expect(c.dataDir.endsWith('/data')).toBe(true)
    expect(c.rollups).toBe(true)
    expect(c.clickhouseAnalystUrl).toBeUndefined()
  })

  it('names the variable with a bad value', () => {
    expect(() => loadConfig({}, { PORT: 'eighty' })).toThrow('"PORT" has invalid numeric value "eighty"')
    expect(() => loadConfig({}, { GRIDPULSE_TZ: 'Mars/Olympus' })).toThrow(ConfigError)
    expect(() => loadConfig({}, { GRIDPULSE_DEMO: 'yes' })).toThrow(/"GRIDPULSE_DEMO" must be 1, registry or 0/)
    expect(() => loadConfig({}, { CLICKHOUSE_URL: 'not a url' })).toThrow(/"CLICKHOUSE_URL" is not a valid URL/)
    expect(() => loadConfig({}, { GRIDPULSE_ROLLUPS: '2' })).toThrow(/GRIDPULSE_ROLLUPS/)
    expect(loadConfig({}, { GRIDPULSE_ROLLUPS: '0' }).rollups).toBe(false)
    expect(() => loadConfig({}, { REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/REDIS_URL.*CLICKHOUSE_URL/)
    expect(loadConfig({}, { REDIS_URL: 'redis://127.0.0.1:6379', CLICKHOUSE_URL: 'http://127.0.0.1:8123' }).redisUrl).toBe('redis://127.0.0.1:6379')
    expect(() => loadConfig({}, { CLUSTER_LEASE_MS: '100' })).toThrow(/CLUSTER_LEASE_MS/)
  })

  it('lets explicit overrides win over the environment', () => {
    expect(loadConfig({ PORT: '0' }, { PORT: '9000' }).port).toBe(0)
    expect(loadConfig({ GRIDPULSE_DEMO: 'registry' }, {}).demo).toBe('registry')
  })
})
