/** The command-line options of `bun run bench`. */
import { parseArgs } from "node:util"
import type { RunSettings } from "./scenario"

export const DEFAULT_REPETITIONS = 3

export interface Options extends RunSettings {
  /** The scenario to run alone, or undefined for all of them. */
  readonly only: string | undefined
  readonly help: boolean
}

export const usage = (scenarioNames: ReadonlyArray<string>): string =>
  [
    "Usage: bun run bench [-- options]",
    "",
    `  --only <scenario>     run one scenario: ${scenarioNames.join(", ")}`,
    "  --smoke               short run for CI: few samples, 1 repetition, one shared system of ours, BullMQ the only peer; fails only when something breaks",
    `  --repetitions <n>     repetitions per scenario (default ${DEFAULT_REPETITIONS}, 1 with --smoke)`,
    "  --samples <n>         samples per repetition (default: the scenario's own)",
    "  --help                print this text",
    "",
    "The report (Markdown) goes to stdout, progress to stderr.",
  ].join("\n")

const positiveInteger = (option: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) {
    return undefined
  }
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1) {
    throw new Error(`--${option}=${JSON.stringify(raw)} is invalid, expected a whole number >= 1`)
  }
  return Number(raw)
}

/** Parses the arguments after the script name; throws with a message naming the bad option. */
export const parseOptions = (
  args: ReadonlyArray<string>,
  scenarioNames: ReadonlyArray<string>,
): Options => {
  // `bun run bench -- --smoke` passes the `--` separator through to the script.
  const rest = args[0] === "--" ? args.slice(1) : [...args]
  const { values } = parseArgs({
    args: rest,
    options: {
      only: { type: "string" },
      smoke: { type: "boolean", default: false },
      repetitions: { type: "string" },
      samples: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.only !== undefined && !scenarioNames.includes(values.only)) {
    throw new Error(
      `--only=${JSON.stringify(values.only)} is not a scenario, expected one of ${scenarioNames.join(", ")}`,
    )
  }
  const smoke = values.smoke
  return {
    only: values.only,
    smoke,
    repetitions:
      positiveInteger("repetitions", values.repetitions) ?? (smoke ? 1 : DEFAULT_REPETITIONS),
    samples: positiveInteger("samples", values.samples),
    help: values.help,
  }
}
