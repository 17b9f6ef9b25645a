/** Renders a run as Markdown that can be pasted into docs/benchmarks.md. */
import type { Figure, Measure, ScenarioResult } from "./scenario"
import { type Spread, spread } from "./stats"

const escapeCell = (text: string) => text.replaceAll("|", "\\|")

export const table = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
): string =>
  [headers, headers.map(() => "---"), ...rows]
    .map((cells) => `| ${cells.map(escapeCell).join(" | ")} |`)
    .join("\n")

// Sub-millisecond figures (the floor) keep two decimals, the rest one.
const millis = (value: number) => value.toFixed(Math.abs(value) < 1 ? 2 : 1)

export const formatSpread = ({ median, min, max }: Spread) =>
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
    ...(result.measures.length === 0
      ? []
      : [
          table(
            ["Measure", "Repetition", "Samples", "p50 (ms)", "p99 (ms)", "max (ms)"],
            result.measures.flatMap(measureRows),
          ),
        ]),
    ...(result.tables ?? []),
    ...result.notes,
  ].join("\n\n")

/** The system name of our app in figures; every other name is a peer or a floor measure. */
export const OURS = "ours"
/** Figures of the machine's floor carry this metric; their system names the operation. */
export const FLOOR_METRIC = "floor latency (ms)"

const unique = (values: ReadonlyArray<string>) => [...new Set(values)]

/** "2.31x": how many times our median is the other's median, with two significant digits below 0.1. */
const ratio = (ours: Spread, other: Spread | undefined) => {
  if (other === undefined || other.median === 0) {
    return "-"
  }
  const value = ours.median / other.median
  return `${value < 0.1 ? value.toPrecision(2) : value.toFixed(2)}x`
}

/**
 * Builds one row per metric of ours: our figure, each peer's, then our median divided by each
 * peer's median and, for latencies, by the floor's median of the same percentile.
 */
export const renderComparison = (figures: ReadonlyArray<Figure>): string => {
  const floors = figures.filter((figure) => figure.metric === FLOOR_METRIC)
  const floorNames = unique(floors.map((figure) => figure.system))
  const peerNames = unique(
    figures
      .filter((figure) => figure.metric !== FLOOR_METRIC && figure.system !== OURS)
      .map((figure) => figure.system),
  )
  const metrics = unique(
    figures.filter((figure) => figure.system === OURS).map((figure) => figure.metric),
  )
  const find = (metric: string, system: string) =>
    figures.find((figure) => figure.metric === metric && figure.system === system)?.value
  const rows = metrics.map((metric) => {
    const ours = figures.find((figure) => figure.metric === metric && figure.system === OURS)!
    const floorOf = (name: string) =>
      ours.percentile === undefined
        ? undefined
        : floors.find((figure) => figure.system === name && figure.percentile === ours.percentile)
            ?.value
    return [
      metric,
      formatSpread(ours.value),
      ...peerNames.map((name) => {
        const value = find(metric, name)
        return value === undefined ? "-" : formatSpread(value)
      }),
      ...peerNames.map((name) => ratio(ours.value, find(metric, name))),
      ...floorNames.map((name) => ratio(ours.value, floorOf(name))),
    ]
  })
  return table(
    [
      "Metric",
      "Ours",
      ...peerNames,
      ...peerNames.map((name) => `Ours / ${name}`),
      ...floorNames.map((name) => `Ours / ${name}`),
    ],
    rows,
  )
}

export const renderEnvironment = (
  command: string,
  date: Date,
  environment: ReadonlyArray<readonly [string, string]>,
): string =>
  table(
    ["Item", "Value"],
    [["Command", `\`${command}\``], ["Date (UTC)", date.toISOString()], ...environment],
  )
