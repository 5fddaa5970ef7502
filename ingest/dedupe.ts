/**
 * The ids of recently accepted events with their content hashes, so a resend is answered as a
 * duplicate and never written twice. Two generations: when the young map is full it becomes
 * the old one and the old one is dropped — O(1) per id and bounded memory, unlike evicting a
 * Map's oldest key one at a time. Older resends are still collapsed by the tables' engine
 * (ReplacingMergeTree) and the order-free report state; see sql/README.md.
 */
export class RecentIds {
  private young = new Map<string, number>()
  private old = new Map<string, number>()

  constructor(private readonly max: number) {}

  get(key: string): number | undefined {
    return this.young.get(key) ?? this.old.get(key)
  }

  set(key: string, hash: number): void {
    this.young.set(key, hash)
    if (this.young.size >= this.max / 2) {
      this.old = this.young
      this.young = new Map()
    }
  }
}
