/**
 * Sign-in throttling: after `maxPerUser` failures for a username, or `maxPerIp` from one
 * address (higher: a command centre's screens share one address), within `windowMs`, further
 * attempts are refused until the window passes (429 with Retry-After). Counted in memory; a
 * success clears the username's count.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>()
  /** Attempts still being checked: counted too, so parallel guesses can't slip past the limit. */
  private readonly inFlight = new Map<string, number>()

  constructor(
    private readonly maxPerUser = 5,
    private readonly maxPerIp = 20,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before trying again, or 0 when an attempt may go ahead. */
  retryAfter(ip: string, username: string): number {
    const now = this.now()
    let wait = 0
    for (const [key, max] of [
      [`ip:${ip}`, this.maxPerIp],
      [`user:${username.trim().toLowerCase()}`, this.maxPerUser],
    ] as const) {
      const recent = this.recent(key, now)
      if (recent.length >= max) wait = Math.max(wait, Math.ceil((recent[0]! + this.windowMs - now) / 1000))
      else if (recent.length + (this.inFlight.get(key) ?? 0) >= max) wait = Math.max(wait, 1)
    }
    return wait
  }

  /** Reserves a place for an attempt about to be checked; call `fail` or `succeed` after. */
  begin(ip: string, username: string): void {
    for (const key of this.keys(ip, username)) this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1)
  }

  private end(ip: string, username: string): void {
    for (const key of this.keys(ip, username)) {
      const n = (this.inFlight.get(key) ?? 0) - 1
      if (n > 0) this.inFlight.set(key, n)
      else this.inFlight.delete(key)
    }
  }

  private keys(ip: string, username: string): string[] {
    return [`ip:${ip}`, `user:${username.trim().toLowerCase()}`]
  }

  fail(ip: string, username: string): void {
    this.end(ip, username)
    const now = this.now()
    for (const key of [`ip:${ip}`, `user:${username.trim().toLowerCase()}`]) {
      const recent = this.recent(key, now)
      recent.push(now)
      this.failures.set(key, recent)
    }
  }

  succeed(ip: string, username: string): void {
    this.end(ip, username)
    this.failures.delete(`user:${username.trim().toLowerCase()}`)
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs)
    if (list.length === 0) this.failures.delete(key)
    return list
  }
}
