import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from '../../server/auth/passwords.ts'
import { LoginThrottle } from '../../server/auth/throttle.ts'
import { readCookie } from '../../server/auth/http.ts'

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one; the same password hashes differently', async () => {
    const a = await hashPassword('correct horse battery')
    const b = await hashPassword('correct horse battery')
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword('correct horse battery', a)).toBe(true)
    expect(await verifyPassword('correct horse batterz', a)).toBe(false)
    expect(await verifyPassword('anything', 'not-a-hash')).toBe(false)
  })
})

describe('sign-in throttle', () => {
  it('blocks a username after 5 failures until the window has passed', () => {
    let now = 0
    const t = new LoginThrottle(5, 20, 60_000, () => now)
    for (let i = 0; i < 5; i++) {
      expect(t.retryAfter('1.1.1.1', 'Alice')).toBe(0)
      t.fail('1.1.1.1', 'Alice')
    }
    expect(t.retryAfter('2.2.2.2', 'alice')).toBe(60)
    expect(t.retryAfter('1.1.1.1', 'bob')).toBe(0)
    now = 59_000
    expect(t.retryAfter('2.2.2.2', 'alice')).toBe(1)
    now = 60_001
    expect(t.retryAfter('2.2.2.2', 'alice')).toBe(0)
  })

  it('blocks an address after its own, higher limit across usernames, and a success clears the user', () => {
    const t = new LoginThrottle(5, 3, 60_000, () => 0)
    t.fail('9.9.9.9', 'a')
    t.fail('9.9.9.9', 'b')
    expect(t.retryAfter('9.9.9.9', 'c')).toBe(0)
    t.fail('9.9.9.9', 'c')
    expect(t.retryAfter('9.9.9.9', 'd')).toBe(60)
    expect(t.retryAfter('8.8.8.8', 'd')).toBe(0)
    t.succeed('9.9.9.9', 'a')
    expect(t.retryAfter('8.8.8.8', 'a')).toBe(0)
  })
})

describe('cookies', () => {
  it('reads one cookie among several', () => {
    expect(readCookie('a=1; gp_session=xyz%3D; b=2', 'gp_session')).toBe('xyz=')
    expect(readCookie('a=1', 'gp_session')).toBeUndefined()
    expect(readCookie(undefined, 'gp_session')).toBeUndefined()
  })
})
