import { useEffect, useState } from "react"

/** Returns `value` once it has stayed the same for `delayMs`; the first value at once. */
export const useDebouncedValue = <A>(value: A, delayMs: number): A => {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs)
    return () => clearTimeout(timer)
  }, [value, delayMs])
  return settled
}
