/**
 * Processes of the benchmark: our API server and worker, run from their bundles, and helper
 * scripts such as peer workers, a Redis subscriber and SSE clients, run with
 * `node --import tsx <script>`. Each has a line-oriented stdout and is killed by PID when the
 * scenario's stack closes.
 */
import { StringDecoder } from "node:string_decoder"
import { Stack } from "../../faults/support/harness"
import {
  killIfRunning,
  type RunningProcess,
  type StartOptions,
  startProcess,
} from "../../packages/server/test/support/Processes"

/** Time a script may take from spawn to its first line: tsx compiles on the fly, on two cores. */
export const SCRIPT_START_MILLIS = 60_000

/** Starts `entry` (a path from the repository root) and registers its kill on `stack`. */
export const startScript = (
  stack: Stack,
  name: string,
  entry: string,
  env: Readonly<Record<string, string>>,
  options: StartOptions = {},
): RunningProcess => {
  const running = startProcess(name, entry, env, options)
  stack.processes.push(running)
  stack.defer(`stop ${name}`, () => killIfRunning(running))
  return running
}

/** Calls `listener` with each complete stdout line of `running`, as it is written. */
export const onLines = (running: RunningProcess, listener: (line: string) => void): void => {
  const decoder = new StringDecoder("utf8")
  let pending = ""
  running.child.stdout?.on("data", (chunk: Buffer) => {
    const lines = (pending + decoder.write(chunk)).split("\n")
    pending = lines.pop() ?? ""
    for (const line of lines) {
      listener(line)
    }
  })
}

/** Waits for a line matching `pattern`, failing with the process's output. */
export const awaitLine = async (
  stack: Stack,
  running: RunningProcess,
  pattern: RegExp,
  waitMillis = SCRIPT_START_MILLIS,
): Promise<string> => {
  try {
    return await running.waitForLine(pattern, waitMillis)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`${reason}\n${stack.describeProcesses()}`)
  }
}

/**
 * Runs `use` with a stack of its own, closed when `use` ends, so a part of a scenario can
 * stop its processes before the next part starts. The outer stack closes it too, for a
 * failure or a signal in the middle.
 */
export const scoped = async <A>(outer: Stack, use: (inner: Stack) => Promise<A>): Promise<A> => {
  const inner = new Stack()
  outer.defer("close a part of the scenario", () => inner.close())
  try {
    return await use(inner)
  } finally {
    outer.processes.push(...inner.processes)
    await inner.close()
  }
}
