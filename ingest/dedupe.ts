/**
 * The ids of recently accepted events with their content hashes, so a resend is answered as a
 * duplicate and never written twice. Two generations: when the young table is full it becomes
 * the old one and the old one is dropped — O(1) per id and bounded memory, unlike evicting the
 * oldest id one at a time. Older resends are still collapsed by the tables' engine
 * (ReplacingMergeTree) and the order-free report state; see sql/README.md.
 */
import { IdTable, idHash } from './id-table.ts'

export class RecentIds {
  private young: IdTable
  private old: IdTable

  constructor(private readonly max: number) {
    this.young = new IdTable(Math.ceil(max / 2))
    this.old = new IdTable(1)
  }

  /** The content hash remembered for `id` (`h`: its idHash, when known already). */
  get(id: string, h = idHash(id)): number | undefined {
    return this.young.get(id, h) ?? this.old.get(id, h)
  }

  set(id: string, hash: number, h = idHash(id)): void {
    if (this.young.set(id, hash, h)) return
    // Full: this stream fills a generation, so the next is made whole at once.
    this.old = this.young
    this.young = new IdTable(Math.ceil(this.max / 2), true)
    this.young.set(id, hash, h)
  }
}
