/**
 * Spike alerts: a category far above its usual level in a community (e.g. flying-wire charging
 * reported eight times in a day where it is usually once a week). "Far above" must hold on
 * three counts, so that a quiet community with one extra report does not light the wall up:
 * enough reports to act on, several times the usual daily level, and unlikely by chance
 * (Poisson tail at the usual rate). Pure; the hub feeds it the last 24 hours from memory and
 * the usual level from the window figures.
 */

/** Fewer reports than this in 24 hours is never a spike. */
export const SPIKE_MIN_COUNT = 4
/** At least this many times the usual daily level. */
export const SPIKE_FACTOR = 3
/** And this unlikely at the usual rate. */
export const SPIKE_P = 0.001
/** A category never seen in the baseline is taken to happen this often per day (not zero). */
const FLOOR_RATE = 0.2

/** P(X ≥ k) for X ~ Poisson(λ), summed in log space so large k stay finite. */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1
  let below = 0
  let logTerm = -lambda // log P(X = 0)
  for (let i = 0; i < k; i++) {
    below += Math.exp(logTerm)
    logTerm += Math.log(lambda) - Math.log(i + 1)
  }
  return Math.max(0, 1 - below)
}

/** Whether `count` reports in 24 hours is a spike against `usualPerDay`. */
export function isSpike(count: number, usualPerDay: number): boolean {
  const rate = Math.max(usualPerDay, FLOOR_RATE)
  return count >= SPIKE_MIN_COUNT && count >= SPIKE_FACTOR * rate && poissonUpperTail(count, rate) < SPIKE_P
}
