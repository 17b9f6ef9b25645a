/** Percentiles of latency samples, and the spread of a figure across repetitions. */

/** p50, p99 and max of one repetition's samples, in milliseconds. */
export interface Summary {
  readonly count: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/** The median of a figure across repetitions, with its lowest and highest value. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

const ascending = (values: ReadonlyArray<number>): Array<number> =>
  [...values].sort((a, b) => a - b)

/**
 * Returns the nearest-rank percentile: the smallest sample such that at least `fraction` of all
 * samples are at or below it. With 200 samples, p99 is the 198th smallest.
 */
export const percentile = (sorted: ReadonlyArray<number>, fraction: number): number => {
  if (sorted.length === 0) {
    throw new Error("percentile of an empty sample list")
  }
  const rank = Math.max(Math.ceil(fraction * sorted.length), 1)
  return sorted[rank - 1] as number
}

export const summarize = (samples: ReadonlyArray<number>): Summary => {
  const sorted = ascending(samples)
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: percentile(sorted, 1),
  }
}

/** Median, min and max; with an even count the median is the mean of the two middle values. */
export const spread = (values: ReadonlyArray<number>): Spread => {
  const sorted = ascending(values)
  const middle = Math.floor(sorted.length / 2)
  const median =
    sorted.length % 2 === 1
      ? percentile(sorted, 0.5)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
  return { median, min: percentile(sorted, 0), max: percentile(sorted, 1) }
}
