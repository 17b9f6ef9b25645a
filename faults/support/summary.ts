/**
 * Global setup of the fault suite: clears the results of an earlier run before the
 * scenarios start, and writes test-output/faults/reliability.md from the saved results
 * after the last one.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { OUTPUT_DIR, RESULTS_DIR } from "./output"
import type { ScenarioResult } from "./report"

/** Total memory as `free -h` prints it, such as `23Gi`. */
const totalMemory = (): string => {
  try {
    const memoryLine = execFileSync("free", ["-h"], { encoding: "utf8" })
      .split("\n")
      .find((line) => line.startsWith("Mem:"))
    return memoryLine?.split(/\s+/)[1] ?? "unknown"
  } catch (error) {
    return `unknown (free -h failed: ${String(error)})`
  }
}

const readResults = (): Array<ScenarioResult> =>
  readdirSync(RESULTS_DIR)
    .filter((file) => file.endsWith(".json"))
    .map((file) => JSON.parse(readFileSync(path.join(RESULTS_DIR, file), "utf8")) as ScenarioResult)
    .sort((a, b) => a.number - b.number)

const cell = (value: number | undefined) => (value === undefined ? "-" : String(value))

const formatTable = (results: ReadonlyArray<ScenarioResult>): string => {
  const header = [
    "| # | Scenario | Created | Completed | Cancelled | Failed | Lost | Run twice | Seconds | Result |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ]
  const rows = results.map((result) => {
    const figures = result.figures
    const verdict = result.problems.length === 0 ? "pass" : `fail: ${result.problems.join("; ")}`
    const notes = result.notes.length === 0 ? "" : ` (${result.notes.join("; ")})`
    return [
      "",
      result.number,
      result.title,
      cell(figures?.created),
      cell(figures?.completed),
      cell(figures?.cancelled),
      cell(figures?.failed),
      cell(figures?.lost),
      figures === undefined ? "-" : (figures.runTwice ?? "unknown"),
      result.seconds.toFixed(1),
      `${verdict}${notes}`.replaceAll("|", "\\|"),
      "",
    ]
      .join(" | ")
      .trim()
  })
  return [...header, ...rows].join("\n")
}

export default function setup(): () => void {
  if (existsSync(RESULTS_DIR)) {
    for (const file of readdirSync(RESULTS_DIR)) {
      rmSync(path.join(RESULTS_DIR, file))
    }
  }
  return () => {
    const results = readResults()
    const machine = [
      `- Command: \`bun run test:faults\``,
      `- Date: ${new Date().toISOString()}`,
      `- CPUs (nproc): ${os.availableParallelism()}`,
      `- Memory (free -h): ${totalMemory()}`,
      `- Node.js: ${process.version}`,
      `- Kernel (uname -r): ${os.release()}`,
    ]
    const text = ["# Fault suite results", "", ...machine, "", formatTable(results), ""].join("\n")
    const file = path.join(OUTPUT_DIR, "reliability.md")
    writeFileSync(file, text)
    console.log(`fault suite summary written to ${file}`)
  }
}
