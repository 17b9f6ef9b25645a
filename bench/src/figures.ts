/** Builds the headline figures of a scenario and the tables of rates. */
import { formatSpread, OURS, table } from "./report"
import type { Figure } from "./scenario"
import { type Summary, spread } from "./stats"

export { OURS }

/** The p50 and p99 figures of a latency measured in several repetitions. */
export const latencyFigures = (
  metric: string,
  system: string,
  repetitions: ReadonlyArray<Summary>,
): Array<Figure> =>
  (["p50", "p99"] as const).map((percentile) => ({
    metric: `${metric} ${percentile} (ms)`,
    system,
    percentile,
    value: spread(repetitions.map((summary) => summary[percentile])),
    higherIsBetter: false,
  }))

/** One row of a rate table: the value of each repetition, then median [min-max]. */
export interface RateRow {
  readonly label: string
  readonly values: ReadonlyArray<number>
}

export const rateTable = (unit: string, rows: ReadonlyArray<RateRow>): string => {
  const repetitions = Math.max(...rows.map((row) => row.values.length))
  return table(
    [
      "System",
      ...Array.from({ length: repetitions }, (_, index) => `Repetition ${index + 1} (${unit})`),
      `median [min-max] (${unit})`,
    ],
    rows.map((row) => [
      row.label,
      ...Array.from({ length: repetitions }, (_, index) => {
        const value = row.values[index]
        return value === undefined ? "-" : value.toFixed(1)
      }),
      formatSpread(spread(row.values)),
    ]),
  )
}

export const rateFigure = (
  metric: string,
  system: string,
  values: ReadonlyArray<number>,
): Figure => ({ metric, system, value: spread(values), higherIsBetter: true })
