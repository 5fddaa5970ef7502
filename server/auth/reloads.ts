/**
 * A store's in-memory map, read again from the store now and then (scaled out, another replica
 * changed it). Loads run one at a time (asked again meanwhile, the running one reads once more),
 * and a write made here while a load is in flight is kept over that load's older result.
 * Listeners hear of every local write (to tell the other replicas).
 */
export class Reloads<K, V> {
  /** Local writes since the running load began (null: deleted). */
  private pending: Map<K, V | null> | undefined
  private running: Promise<void> | undefined
  private again = false
  private readonly listeners: Array<() => void> = []

  constructor(
    private readonly read: () => Promise<Map<K, V>>,
    private readonly install: (next: Map<K, V>) => void,
  ) {}

  onWrite(listener: () => void): void {
    this.listeners.push(listener)
  }

  /** Records a local write (already applied to the map by the store). */
  wrote(key: K, value: V | null): void {
    this.pending?.set(key, value)
    for (const l of this.listeners) l()
  }

  load(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      do {
        this.again = false
        this.pending = new Map()
        const next = await this.read()
        for (const [k, v] of this.pending) {
          if (v === null) next.delete(k)
          else next.set(k, v)
        }
        this.install(next)
      } while (this.again)
    })().finally(() => {
      this.pending = undefined
      this.running = undefined
    })
    return this.running
  }
}
