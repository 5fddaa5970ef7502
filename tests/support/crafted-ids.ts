/**
 * Event ids a hostile sender could make against a hash without a secret: FNV-1a from its public
 * offset basis (ingest/rows.ts's fnv1a), all with the same low `bits` bits (at most 20), so in a
 * table indexed by those bits they would all fall into one run of slots. FNV-1a's low 16 bits
 * after the last code unit c are ((h ^ c) · prime) mod 2^16 and the prime is odd, so one c puts
 * any prefix on any low 16 bits; the code unit before it is tried until bits 16–19 match too.
 */
import { fnv1a } from '../../ingest/rows.ts'

const PRIME = 0x01000193

/** The prime's inverse mod 2^32 (Newton's iteration: each step doubles the bits that are right). */
const INVERSE = (() => {
  let x = 1
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(PRIME, x))
  return x
})()

export function idsCollidingUnseeded(n: number, bits: number, target = 0x51234): string[] {
  const mask = bits >= 32 ? -1 : (1 << bits) - 1
  const want = target & mask
  const ids: string[] = []
  for (let i = 0; ids.length < n; i++) {
    // CJK code units before the last: any would do; these keep the ids printable.
    for (let c1 = 0x4e00; c1 < 0x9fff; c1++) {
      const head = `E-${i}-${String.fromCharCode(c1)}`
      // The last code unit that puts the hash on the wanted low 16 bits, from the state before it.
      const c2 = (Math.imul(want & 0xffff, INVERSE) ^ fnv1a(head)) & 0xffff
      if (c2 >= 0xd800 && c2 <= 0xdfff) continue
      const id = head + String.fromCharCode(c2)
      if ((fnv1a(id) & mask) === want) {
        ids.push(id)
        break
      }
    }
  }
  return ids
}
