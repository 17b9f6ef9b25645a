import { mkdir, writeFile } from "node:fs/promises"
import path from "node:path"
import { ROOT_DIR } from "../../packages/server/test/support/Processes"

/** Directory of the raw samples of each run, beside the process logs in test-output/. */
export const OUTPUT_DIR = path.join(ROOT_DIR, "test-output", "bench")

/**
 * Writes `data` as JSON to test-output/bench/<name>-<pid>.json, for looking at single
 * samples after a run, and returns the file's path.
 */
export const writeSamples = async (name: string, data: unknown): Promise<string> => {
  await mkdir(OUTPUT_DIR, { recursive: true })
  const file = path.join(OUTPUT_DIR, `${name}-${process.pid}.json`)
  await writeFile(file, `${JSON.stringify(data, null, 1)}\n`)
  return file
}
