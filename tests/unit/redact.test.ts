import { describe, expect, it } from 'vitest'
import { ID_MASK, PHONE_MASK, redact } from '../../ingest/redact.ts'

describe('redaction of personal numbers in notes', () => {
  it('masks mobile numbers written plain, with dashes, spaces or +86', () => {
    expect(redact('请联系13800001234')).toBe(`请联系${PHONE_MASK}`)
    expect(redact('电话 138-0000-1234 王阿姨')).toBe(`电话 ${PHONE_MASK} 王阿姨`)
    expect(redact('tel +86 138 0000 1234')).toBe(`tel ${PHONE_MASK}`)
  })

  it('masks landlines with an area code', () => {
    expect(redact('物业 028-83331234')).toBe(`物业 ${PHONE_MASK}`)
  })

  it('masks 18-digit ID-card numbers, including an X check digit', () => {
    expect(redact('身份证510113198001011234')).toBe(`身份证${ID_MASK}`)
    expect(redact('id 51011319800101123X end')).toBe(`id ${ID_MASK} end`)
  })

  it('leaves ordinary numbers alone', () => {
    expect(redact('3栋2单元 电梯故障 10分钟')).toBe('3栋2单元 电梯故障 10分钟')
    expect(redact('2026年11月23日')).toBe('2026年11月23日')
  })
})
