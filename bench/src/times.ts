/**
 * Times reported per key (a job, a message), kept until a caller reads them. A time that
 * arrives before any caller waits for it is kept, so a caller may start waiting after the
 * request that causes it.
 */
export class KeyedTimes {
  private readonly times = new Map<string, number>()
  private readonly waiters = new Map<string, (at: number) => void>()
  private countWaiter: { readonly count: number; readonly resolve: () => void } | undefined
  private recorded = 0

  constructor(private readonly what: string) {}

  /** How many times were recorded since the last `reset`. */
  get count(): number {
    return this.recorded
  }

  /** The time of the most recent record. */
  last = 0

  record(key: string, at: number): void {
    this.times.set(key, at)
    this.recorded++
    this.last = at
    this.waiters.get(key)?.(at)
    if (this.countWaiter !== undefined && this.recorded >= this.countWaiter.count) {
      this.countWaiter.resolve()
    }
  }

  waitFor(key: string, waitMillis: number): Promise<number> {
    const at = this.times.get(key)
    if (at !== undefined) {
      this.times.delete(key)
      return Promise.resolve(at)
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key)
        reject(new Error(`no ${this.what} for ${key} within ${waitMillis} ms`))
      }, waitMillis)
      this.waiters.set(key, (time) => {
        clearTimeout(timer)
        this.waiters.delete(key)
        this.times.delete(key)
        resolve(time)
      })
    })
  }

  /** Resolves once `count` times have been recorded since the last `reset`. */
  waitForCount(count: number, waitMillis: number): Promise<void> {
    if (this.recorded >= count) {
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.countWaiter = undefined
        reject(new Error(`${this.recorded} of ${count} ${this.what} within ${waitMillis} ms`))
      }, waitMillis)
      this.countWaiter = {
        count,
        resolve: () => {
          clearTimeout(timer)
          this.countWaiter = undefined
          resolve()
        },
      }
    })
  }

  reset(): void {
    this.times.clear()
    this.recorded = 0
  }
}
