/**
 * Entry point of the benchmarks: `bun run bench [-- --only <scenario>] [-- --smoke]`.
 * Runs each scenario against real processes it starts itself and prints one Markdown
 * report on stdout. Ctrl-C (SIGINT) or SIGTERM kills the processes of the running scenario
 * by PID and drops its database before exiting.
 */
import { Stack } from "../../faults/support/harness"
import { type Options, parseOptions, usage } from "./cli"
import { describeEnvironment } from "./environment"
import { OURS, renderComparison, renderEnvironment, renderScenario, table } from "./report"
import type { Figure } from "./scenario"
import { scenarios } from "./scenarios/index"
import { freshSystems, SHARED_SYSTEM_NOTE, sharedSystems } from "./system"

const progress = (line: string) => process.stderr.write(`${line}\n`)

// The stack of the scenario that is running, for the signal handler.
let running: Stack | undefined
// Cleanup steps that last for the whole run, such as the smoke run's shared system.
const runStack = new Stack()
let stopping = false

const stopOnSignal = (signal: NodeJS.Signals, exitCode: number) => {
  process.on(signal, () => {
    // A terminal's Ctrl-C can arrive twice, once directly and once forwarded by
    // `bun run`, so repeats are ignored while the cleanup runs.
    if (stopping) {
      return
    }
    stopping = true
    progress(`${signal} received, stopping the processes of this run`)
    const cleanup = (running?.close() ?? Promise.resolve()).finally(() => runStack.close())
    cleanup.then(
      () => process.exit(exitCode),
      (error: unknown) => {
        progress(String(error))
        process.exit(exitCode)
      },
    )
  })
}

const main = async (): Promise<number> => {
  const names = scenarios.map((scenario) => scenario.name)
  let options: Options
  try {
    options = parseOptions(process.argv.slice(2), names)
  } catch (error) {
    progress(`${error instanceof Error ? error.message : String(error)}\n\n${usage(names)}`)
    return 2
  }
  if (options.help) {
    process.stdout.write(`${usage(names)}\n`)
    return 0
  }
  stopOnSignal("SIGINT", 130)
  stopOnSignal("SIGTERM", 143)

  // Written as the docs write it, with the options after `--`.
  const commandArguments = process.argv.slice(2).filter((arg) => arg !== "--")
  const command =
    commandArguments.length === 0 ? ["bun run bench"] : ["bun run bench --", ...commandArguments]
  const sections = [
    "## Environment",
    renderEnvironment(command.join(" "), new Date(), await describeEnvironment()),
  ]
  const selected = scenarios.filter(
    (scenario) => options.only === undefined || scenario.name === options.only,
  )
  const summary: Array<Array<string>> = []
  const figures: Array<Figure> = []
  // Each section is printed as soon as it is ready, so a failed or interrupted run still
  // leaves the report of the scenarios that finished.
  const print = (section: string) => process.stdout.write(`${section}\n\n`)
  sections.forEach(print)
  if (options.smoke) {
    print(SHARED_SYSTEM_NOTE)
  }
  const startSystem = options.smoke ? sharedSystems(runStack) : freshSystems
  let failures = 0

  for (const scenario of selected) {
    progress(`${scenario.name}: starting`)
    const begin = performance.now()
    const stack = new Stack()
    running = stack
    let outcome = "done"
    try {
      const result = await scenario.run(options, stack, progress, startSystem)
      print(renderScenario(scenario.title, result))
      figures.push(...(result.figures ?? []))
    } catch (error) {
      // The other scenarios still run; the exit code reports the failure.
      failures++
      outcome = "failed"
      const logs = [...stack.processes, ...runStack.processes]
        .map((process) => process.logFile)
        .join(", ")
      const reason = error instanceof Error ? (error.stack ?? error.message) : String(error)
      progress(`${scenario.name}: failed (process logs: ${logs || "none"})\n${reason}`)
      print(
        `### ${scenario.title}\n\nFailed: ${error instanceof Error ? error.message : String(error)}`,
      )
    } finally {
      await stack.close()
      running = undefined
    }
    const seconds = ((performance.now() - begin) / 1000).toFixed(1)
    summary.push([scenario.name, `${seconds} (${outcome})`])
    progress(`${scenario.name}: ${outcome} in ${seconds} s`)
  }
  await runStack.close()

  if (figures.some((figure) => figure.system === OURS)) {
    print("## Comparison")
    print(
      "Each cell is the median [min-max] across repetitions. A ratio divides our median by the other's median, so below 1 means ours is faster for latencies and slower for rates.",
    )
    print(renderComparison(figures))
  }
  print(table(["Scenario", "Wall time (s)"], summary))
  return failures === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    progress(error instanceof Error ? (error.stack ?? error.message) : String(error))
    if (error instanceof Error && error.cause !== undefined) {
      progress(`caused by: ${String(error.cause)}`)
    }
    process.exit(1)
  },
)
