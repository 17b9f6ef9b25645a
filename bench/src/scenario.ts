/**
 * The shape every benchmark scenario has. A scenario is one file under `scenarios/` that
 * exports a `Scenario`, listed once in `scenarios/index.ts`.
 */
import type { Stack } from "../../faults/support/harness"
import type { Spread, Summary } from "./stats"
import type { StartSystem } from "./system"

/** Options from the command line, the same for every scenario. */
export interface RunSettings {
  /** A short run for CI: fewer samples and one repetition unless set otherwise. */
  readonly smoke: boolean
  readonly repetitions: number
  /** Samples per repetition; undefined means the scenario's default for the mode. */
  readonly samples: number | undefined
}

/** One measured quantity, summarised per repetition. */
export interface Measure {
  /** Label of the timed interval, from which instant to which, such as "POST cancel -> JobCancelled on SSE". */
  readonly name: string
  readonly repetitions: ReadonlyArray<Summary>
}

/**
 * One headline figure of one system, for the comparison table at the end of the report,
 * which divides our figure by the floor's and each peer's figure of the same metric.
 */
export interface Figure {
  /** The measure, such as "pickup latency p99 (ms)", the same for all the systems compared. */
  readonly metric: string
  /** "ours", a peer's name, or a floor measure's name. */
  readonly system: string
  /** Median [min-max] across the repetitions. */
  readonly value: Spread
  /** For latencies: which percentile, so the floor of the same percentile is the divisor. */
  readonly percentile?: "p50" | "p99"
  /** True for rates (jobs/s), false for latencies and sizes. */
  readonly higherIsBetter: boolean
}

export interface ScenarioResult {
  /** Settings of this scenario as label and value, such as ["Samples per repetition", "200"]. */
  readonly settings: ReadonlyArray<readonly [string, string]>
  readonly measures: ReadonlyArray<Measure>
  /** Sentences printed under the table: caveats of the method or of this run. */
  readonly notes: ReadonlyArray<string>
  /** Further Markdown tables, for figures that are not latency percentiles. */
  readonly tables?: ReadonlyArray<string>
  /** Headline figures for the comparison at the end of the report. */
  readonly figures?: ReadonlyArray<Figure>
}

export interface Scenario {
  /** The name for `--only`, in lowercase. */
  readonly name: string
  /** The heading of its section in the report, such as "Cancel latency". */
  readonly title: string
  /**
   * Starts what the scenario needs, registering each cleanup step on `stack`, and
   * measures. `progress` prints a line to stderr so stdout keeps only the report.
   * `startSystem` gives the system of ours for a fresh, migrated database: a new one
   * in full mode, the run's shared one in a smoke run.
   */
  readonly run: (
    settings: RunSettings,
    stack: Stack,
    progress: (line: string) => void,
    startSystem: StartSystem,
  ) => Promise<ScenarioResult>
}
