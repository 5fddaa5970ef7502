/** How a change reads on the wall and the review pages: one rule for every badge. */

/** Whether a change reads as better, worse, or neither (volumes, or no change). */
export function changeTone(delta: number | undefined, higherIsBetter: boolean | null): 'good' | 'bad' | 'news' | 'flat' {
  if (delta === undefined || delta === 0) return 'flat'
  if (higherIsBetter === null) return 'news'
  return delta > 0 === higherIsBetter ? 'good' : 'bad'
}
