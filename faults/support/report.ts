/**
 * The figures of a scenario, computed from PostgreSQL (statuses) and from the jobs'
 * event logs (runs), printed as one line and saved for the summary table.
 */
import { writeFileSync } from "node:fs"
import path from "node:path"
import { expect } from "vitest"
import { type Envelope, jobEvents, mapLimited, sleep, TERMINAL_STATUSES } from "./api"
import { Stack } from "./harness"
import { RESULTS_DIR } from "./output"
import { psql } from "./servers"

export interface ScenarioInfo {
  /** 1 to 7, the order of the summary table. */
  readonly number: number
  readonly title: string
}

export interface Figures {
  readonly created: number
  readonly completed: number
  readonly cancelled: number
  readonly failed: number
  /** Jobs not in a terminal state when the scenario's bound ran out. */
  readonly lost: number
  /** Jobs whose event log shows a second run; undefined when the log could not be read. */
  readonly runTwice: number | undefined
}

export interface ScenarioResult extends ScenarioInfo {
  readonly figures: Figures | undefined
  readonly seconds: number
  /** Checks of the scenario's own that failed, and an error that stopped it. */
  readonly problems: ReadonlyArray<string>
  /** Measured values worth a line in the table, such as how long the reaper took. */
  readonly notes: ReadonlyArray<string>
}

/** Reads the status of every job in the database, by id. */
export const databaseStatuses = async (databaseUrl: string): Promise<Map<string, string>> => {
  const rows = await psql(databaseUrl, "SELECT id, status FROM jobs")
  return new Map(
    rows.map((row) => {
      const [id = "", status = ""] = row.split("|")
      return [id, status]
    }),
  )
}

const POLL_MILLIS = 500

/**
 * Waits until every job of `ids` is in a terminal state in the database, or `boundMillis`
 * after `since` (a Date.now() value, default now). A failed query (the database may be
 * restarting) is retried on the next poll. Returns the seconds from `since` until all were
 * terminal, or undefined when the bound ran out.
 */
export const waitForTerminal = async (
  databaseUrl: string,
  ids: ReadonlyArray<string>,
  boundMillis: number,
  since: number = Date.now(),
): Promise<number | undefined> => {
  const begin = since
  while (Date.now() - begin < boundMillis) {
    const statuses = await databaseStatuses(databaseUrl).catch(() => undefined)
    if (
      statuses !== undefined &&
      ids.every((id) => TERMINAL_STATUSES.includes(statuses.get(id) ?? ""))
    ) {
      return (Date.now() - begin) / 1000
    }
    await sleep(POLL_MILLIS)
  }
  return undefined
}

/**
 * Waits until at least `count` jobs of `ids` have `status` in the database. Fails after
 * `waitMillis`, naming how many did.
 */
export const waitForStatus = async (
  databaseUrl: string,
  ids: ReadonlyArray<string>,
  status: string,
  count: number,
  waitMillis: number,
): Promise<void> => {
  const deadline = Date.now() + waitMillis
  let reached = 0
  while (Date.now() < deadline) {
    const statuses = await databaseStatuses(databaseUrl)
    reached = ids.filter((id) => statuses.get(id) === status).length
    if (reached >= count) {
      return
    }
    await sleep(POLL_MILLIS / 5)
  }
  throw new Error(`only ${reached} of ${count} jobs reached ${status} within ${waitMillis} ms`)
}

const TERMINAL_EVENTS = ["JobCompleted", "JobCancelled", "JobFailed"]

/* * Checks whether the event log shows the job run twice: more than one terminal event, or a second
 * JobStarted with no JobRequeued or JobFailed since the previous one.
 */
export const ranTwice = (log: ReadonlyArray<Envelope>): boolean => {
  const terminal = log.filter((event) => TERMINAL_EVENTS.includes(event.event_type)).length
  if (terminal > 1) {
    return true
  }
  let running = false
  for (const event of log) {
    if (event.event_type === "JobStarted") {
      if (running) {
        return true
      }
      running = true
    } else if (event.event_type === "JobRequeued" || event.event_type === "JobFailed") {
      running = false
    }
  }
  return false
}

/** Reads the event log of every job, a few requests at a time. */
export const eventLogs = async (
  baseUrl: string,
  ids: ReadonlyArray<string>,
): Promise<Map<string, ReadonlyArray<Envelope>>> => {
  const logs = await mapLimited(ids, 8, (id) => jobEvents(baseUrl, id))
  return new Map(ids.map((id, index) => [id, logs[index] ?? []]))
}

export interface Measurement {
  readonly figures: Figures
  readonly statuses: Map<string, string>
  /** Undefined when the event log could not be read, and `logError` then contains the reason. */
  readonly logs: Map<string, ReadonlyArray<Envelope>> | undefined
  readonly logError: string | undefined
}

/** Counts the outcome of `ids` from the database and the event logs. */
export const measure = async (
  databaseUrl: string,
  baseUrl: string,
  ids: ReadonlyArray<string>,
): Promise<Measurement> => {
  const statuses = await databaseStatuses(databaseUrl)
  const count = (status: string) => ids.filter((id) => statuses.get(id) === status).length

  let logs: Map<string, ReadonlyArray<Envelope>> | undefined
  let logError: string | undefined
  try {
    logs = await eventLogs(baseUrl, ids)
  } catch (error) {
    logError = `event log unavailable: ${String(error)}`
  }

  const figures: Figures = {
    created: ids.length,
    completed: count("COMPLETED"),
    cancelled: count("CANCELLED"),
    failed: count("FAILED"),
    lost: ids.filter((id) => !TERMINAL_STATUSES.includes(statuses.get(id) ?? "")).length,
    runTwice:
      logs === undefined ? undefined : ids.filter((id) => ranTwice(logs.get(id) ?? [])).length,
  }
  return { figures, statuses, logs, logError }
}

/** The problems a measurement found by itself: an event log that could not be read. */
export const initialProblems = (measurement: Measurement): Array<string> =>
  measurement.logError === undefined ? [] : [measurement.logError]

/** Formats the one line printed for a scenario. */
export const formatLine = (result: ScenarioResult): string => {
  const figures = result.figures
  const counts =
    figures === undefined
      ? "no figures"
      : [
          `created=${figures.created}`,
          `completed=${figures.completed}`,
          `cancelled=${figures.cancelled}`,
          `failed=${figures.failed}`,
          `lost=${figures.lost}`,
          `runTwice=${figures.runTwice ?? "unknown"}`,
        ].join(" ")
  const verdict = result.problems.length === 0 ? "ok" : `FAILED: ${result.problems.join("; ")}`
  return `scenario ${result.number} (${result.title}): ${counts} seconds=${result.seconds.toFixed(1)} ${verdict}`
}

/** The result of a scenario body: its figures and the checks of its own that failed. */
export interface Outcome {
  readonly figures: Figures
  readonly problems: ReadonlyArray<string>
  readonly notes?: ReadonlyArray<string>
}

/**
 * Runs a scenario body with a fresh cleanup stack, prints its line, saves its result and
 * cleans up. The test fails when the body threw, a check of its own failed, lost > 0 or
 * run twice > 0; the line and the table get the figures either way.
 */
export const runScenario = async (
  info: ScenarioInfo,
  body: (stack: Stack) => Promise<Outcome>,
): Promise<void> => {
  const stack = new Stack()
  const begin = Date.now()
  let outcome: Outcome | undefined
  let error: unknown
  try {
    outcome = await body(stack)
  } catch (caught) {
    error = caught
  }
  const seconds = (Date.now() - begin) / 1000
  try {
    await stack.close()
  } catch (cleanupError) {
    error ??= cleanupError
  }

  const problems = [...(outcome?.problems ?? [])]
  const figures = outcome?.figures
  if (figures !== undefined && figures.lost > 0) {
    problems.push(`${figures.lost} jobs lost`)
  }
  if (figures?.runTwice !== undefined && figures.runTwice > 0) {
    problems.push(`${figures.runTwice} jobs run twice`)
  }
  if (error !== undefined) {
    problems.push(`error: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`)
  }
  const result: ScenarioResult = {
    ...info,
    figures,
    seconds,
    problems,
    notes: outcome?.notes ?? [],
  }
  writeFileSync(path.join(RESULTS_DIR, `${info.number}.json`), JSON.stringify(result, null, 2))
  console.log(formatLine(result))

  if (error !== undefined) {
    throw error
  }
  expect(problems, `problems found by scenario ${info.number}`).toEqual([])
}

/** Adds `problem` to `problems` when `ok` is false. */
export const check = (problems: Array<string>, ok: boolean, problem: string): void => {
  if (!ok) {
    problems.push(problem)
  }
}
