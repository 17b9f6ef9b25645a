import { useEffect, useState } from "react"

/**
 * Returns the current time in epoch milliseconds and re-renders the caller every `intervalMs`
 * while `enabled` is true. Call it once per page (the job list does) rather than once per row,
 * so that the page runs a single timer. While disabled it keeps the last value and runs no timer.
 */
export const useNow = (intervalMs: number, enabled = true): number => {
  const [now, setNow] = useState(() => Date.now())

  useEffect(() => {
    if (!enabled) {
      return
    }
    // The value is stale after a disabled period, so it is refreshed at once, not a tick later.
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs, enabled])

  return now
}
