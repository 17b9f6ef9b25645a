/** Renders a run as Markdown that can be pasted into docs/benchmarks.md. */
import type { Measure, ScenarioResult } from "./scenario"
import { type Spread, spread } from "./stats"

const escapeCell = (text: string) => text.replaceAll("|", "\\|")

export const table = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
): string =>
  [headers, headers.map(() => "---"), ...rows]
    .map((cells) => `| ${cells.map(escapeCell).join(" | ")} |`)
    .join("\n")

const millis = (value: number) => value.toFixed(1)

const formatSpread = ({ median, min, max }: Spread) =>
  `${millis(median)} [${millis(min)}-${millis(max)}]`

/** Builds one row per repetition, then the median [min-max] across repetitions. */
const measureRows = (measure: Measure): Array<Array<string>> => {
  const rows = measure.repetitions.map((summary, index) => [
    measure.name,
    String(index + 1),
    String(summary.count),
    millis(summary.p50),
    millis(summary.p99),
    millis(summary.max),
  ])
  const column = (pick: (summary: Measure["repetitions"][number]) => number) =>
    formatSpread(spread(measure.repetitions.map(pick)))
  rows.push([
    measure.name,
    "median [min-max]",
    String(measure.repetitions.reduce((total, summary) => total + summary.count, 0)),
    column((summary) => summary.p50),
    column((summary) => summary.p99),
    column((summary) => summary.max),
  ])
  return rows
}

export const renderScenario = (title: string, result: ScenarioResult): string =>
  [
    `### ${title}`,
    table(["Setting", "Value"], result.settings),
    table(
      ["Measure", "Repetition", "Samples", "p50 (ms)", "p99 (ms)", "max (ms)"],
      result.measures.flatMap(measureRows),
    ),
    ...result.notes,
  ].join("\n\n")

export const renderEnvironment = (
  command: string,
  date: Date,
  environment: ReadonlyArray<readonly [string, string]>,
): string =>
  table(
    ["Item", "Value"],
    [["Command", `\`${command}\``], ["Date (UTC)", date.toISOString()], ...environment],
  )
