/**
 * A wall clock with sub-millisecond resolution that every process on the machine shares.
 * `performance.timeOrigin` is the wall-clock time at which this process started, so adding
 * `performance.now()` gives epoch milliseconds that another process can subtract from its own.
 * `Date.now()` would do the same in whole milliseconds only.
 */
export const epochMillis = (): number => performance.timeOrigin + performance.now()
