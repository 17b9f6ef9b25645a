import { mkdirSync } from "node:fs"
import path from "node:path"
import { ROOT_DIR } from "../../packages/server/test/support/Processes"

/** The directory of the server logs, results and summary table of the scenarios. */
export const OUTPUT_DIR = path.join(ROOT_DIR, "test-output", "faults")

/** One JSON file per scenario, read by the global teardown to build the table. */
export const RESULTS_DIR = path.join(OUTPUT_DIR, "results")

mkdirSync(RESULTS_DIR, { recursive: true })
