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

  it.each([
    ['landlines with the area code in brackets, in 4-4 groups, or after +86', ['(028)87654321', '（028）87654321', '028-8765-4321', '028 8765 4321', '0755 1234 5678', '+86 28 8765 4321', '+86-28-87654321']],
    ['mobiles with dashes of any width, doubled separators, slashes, underscores or commas', ['138—0000—1234', '138–0000–1234', '138‐0000‐1234', '138  0000  1234', '138 - 0000 - 1234', '138/0000/1234', '138_0000_1234', '138,0000,1234']],
    ['mobiles grouped otherwise', ['1380-000-1234', '(138)0000-1234', '1 3 8 0 0 0 0 1 2 3 4']],
    ['ID-card numbers grouped otherwise', ['510104 1990 0101 1234', '510104-1990-0101-123X', '5101 0419 9001 0112 34', '510104—19900101—1234', '510104  19900101  1234', '51010419900101123ｘ']],
  ])('masks %s, whole', (name, numbers) => {
    const mask = name.startsWith('ID') ? ID_MASK : PHONE_MASK
    for (const n of numbers) expect(redact(`联系${n}。`), n).toBe(`联系${mask}。`)
  })

  it('masks a landline written as one run of digits: 0, the area code and the local number, or after +86 / 0086', () => {
    for (const n of ['02887654321', '075512345678', '01012345678', '07551234567', '013800001234', '+862887654321', '+8675512345678', '＋862887654321', '00862887654321', '+86 2887654321', '0086-2887654321', '０２８８７６５４３２１']) {
      expect(redact(`座机${n}。`), n).toBe(`座机${PHONE_MASK}。`)
    }
    expect(redact('座机02887654321')).toBe(`座机${PHONE_MASK}`)
    expect(redact('(+86)2887654321')).toBe(PHONE_MASK)
    expect(redact('电话02887654321x801')).toBe(`电话${PHONE_MASK}x801`)
    expect(redact('物业02887654321/13800001234')).toBe(`物业${PHONE_MASK}/${PHONE_MASK}`)
  })

  it('leaves runs of digits that are no landline alone: too short or long, no 0 before the area code, a bare 86', () => {
    for (const text of ['编号 0287654321', '余额 0.0123456789', '户号 0123456789012', '编号 0288765432101', '单号 00012345678', '流水 2887654321', '单号 862887654321', '金额 1002887654321 分', '批次 0028876543']) {
      expect(redact(text), text).toBe(text)
    }
  })

  it('keeps brackets paired and an extension\'s x outside the mask', () => {
    expect(redact('王先生(13800001234)')).toBe(`王先生(${PHONE_MASK})`)
    expect(redact('王先生（13800001234）')).toBe(`王先生（${PHONE_MASK}）`)
    expect(redact('(+86)13800001234')).toBe(PHONE_MASK)
    expect(redact('（028）87654321')).toBe(PHONE_MASK)
    expect(redact('电话13800001234x')).toBe(`电话${PHONE_MASK}x`)
    expect(redact('028-87654321x801')).toBe(`${PHONE_MASK}x801`)
  })

  it('masks each of two numbers side by side', () => {
    expect(redact('13800001234 13900001234')).toBe(`${PHONE_MASK} ${PHONE_MASK}`)
    expect(redact('电话 028-83331234/13800001234')).toBe(`电话 ${PHONE_MASK}/${PHONE_MASK}`)
  })

  it('leaves dates, times, amounts, order numbers and counts alone', () => {
    for (const text of ['血压 160/100 150/95', '费用 1,380,000, 1,500,000 元', '1,3,5,7,9,11,13,15号楼', '1998.12.7-1999.1.5', '13.5, 20.1, 30.2, 40.5', '13 14 155 1234 555', '3-2-1201, 3-2-1202, 3-2-1203', '川A·12345 停放', '2026.01.01-2026.12.31', '2026-12-07 13:45 报修', '订单 2026120712345', '面积 120.5 平方米，费用 1,380,000 元', '工单 20261207-0001-0002', '数量 1 2 3 4 5 6 7 8 9 10', '2026/12/07 09:30-11:30 巡查 3 次']) {
      expect(redact(text)).toBe(text)
    }
  })
})
