/** Comparing secrets (tokens, credentials) in constant time, whatever their lengths. */
import crypto from 'node:crypto'

const digest = (s: string) => crypto.createHash('sha256').update(s).digest()

/** Whether two secrets are equal; compares digests, so neither length nor content leaks by timing. */
export function sameSecret(a: string, b: string): boolean {
  return crypto.timingSafeEqual(digest(a), digest(b))
}
