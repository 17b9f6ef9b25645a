/**
 * CPU time a child process has used so far, from /proc/<pid>/stat (Linux only), so a
 * scenario can report how much CPU each sample costs the API server and the worker.
 */
import { execFile } from "node:child_process"
import { readFile } from "node:fs/promises"
import { promisify } from "node:util"

const execFileAsync = promisify(execFile)

// /proc counts CPU time in clock ticks, USER_HZ per second, which is 100 on common
// Linux builds; getconf reads the real value.
let ticksPerSecond: Promise<number> | undefined
const clockTicks = (): Promise<number> => {
  ticksPerSecond ??= execFileAsync("getconf", ["CLK_TCK"]).then(({ stdout }) => Number(stdout))
  return ticksPerSecond
}

/** User plus system CPU time of the process, in milliseconds, with the resolution of one tick. */
export const cpuMillis = async (pid: number): Promise<number> => {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8")
  // The command name (field 2) may contain spaces, so the fields are counted from the
  // closing parenthesis: utime and stime are fields 14 and 15 of the whole line.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const ticks = Number(fields[11]) + Number(fields[12])
  if (Number.isNaN(ticks)) {
    throw new Error(`cannot read utime and stime from /proc/${pid}/stat`)
  }
  return (ticks * 1000) / (await clockTicks())
}
