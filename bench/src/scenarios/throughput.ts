/**
 * Throughput: how many no-op jobs per second a system completes.
 *
 * Ours, with real processes: 2,000 jobs of duration 0 are created through POST /api/jobs
 * as fast as the API server takes them (16 requests in flight). The time runs from the
 * first request until the last JobCompleted arrives on an SSE client. There are three
 * set-ups: 1 worker at concurrency 1, 1 worker at concurrency 10, 2 workers at concurrency
 * 10. Then a backlog: 2,000 PENDING jobs are created while no worker runs, and the time
 * runs from the worker's "worker started" log line until the last JobCompleted.
 * Peers: the same 2,000 jobs through each library's enqueue call (16 in flight), with one
 * worker process at concurrency 1 and 10, until the worker reported the last handler end.
 */
import { createJob, mapLimited } from "../../../faults/support/api"
import type { Stack } from "../../../faults/support/harness"
import { killIfRunning } from "../../../packages/server/test/support/Processes"
import { scoped } from "../children"
import { epochMillis } from "../clock"
import { cpuMillis } from "../cpu"
import { loadAverage } from "../environment"
import { OURS, type RateRow, rateFigure, rateTable } from "../figures"
import { type Peer, peersFor } from "../peers/peers"
import { table } from "../report"
import type { Figure, Scenario } from "../scenario"
import type { System } from "../system"

const FULL_JOBS = 2000
const SMOKE_JOBS = 100
const IN_FLIGHT = 16
// Our worker at concurrency 1 needed about 270 s for 2,000 jobs on a busy 2-core machine,
// so this is far above what a working system needs.
const DRAIN_TIMEOUT_MILLIS = 900_000

interface Setup {
  readonly label: string
  readonly workers: number
  readonly concurrency: number
}

const OUR_SETUPS: ReadonlyArray<Setup> = [
  { label: "1 worker, concurrency 1", workers: 1, concurrency: 1 },
  { label: "1 worker, concurrency 10", workers: 1, concurrency: 10 },
  { label: "2 workers, concurrency 10 each", workers: 2, concurrency: 10 },
]
const PEER_CONCURRENCIES = [1, 10] as const
const BACKLOG_LABEL = "backlog drain, 1 worker, concurrency 10"

const metricOf = (label: string) => `throughput, ${label} (jobs/s)`

/** Resolves with the epoch time at which the `count`-th JobCompleted arrived from now on. */
const completions = (system: System, count: number): Promise<number> =>
  new Promise((resolve, reject) => {
    let seen = 0
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`${seen} of ${count} JobCompleted within ${DRAIN_TIMEOUT_MILLIS} ms`))
    }, DRAIN_TIMEOUT_MILLIS)
    const unsubscribe = system.events.subscribe((arrival) => {
      if (arrival.envelope.event_type === "JobCompleted" && ++seen === count) {
        clearTimeout(timer)
        unsubscribe()
        resolve(performance.timeOrigin + arrival.arrivedAt)
      }
    })
  })

/** CPU milliseconds used so far by the API server, then each worker. */
const cpuOf = (system: System) =>
  Promise.all([system.api, ...system.workers].map((running) => cpuMillis(running.child.pid ?? 0)))

const createMany = (system: System, jobs: number, label: string) =>
  mapLimited(
    Array.from({ length: jobs }, (_, index) => index),
    IN_FLIGHT,
    (index) => createJob(system.baseUrl, `bench throughput ${label} ${index}`, 0),
  )

/** The CPU time per job of each of our set-ups, one column per repetition. */
const cpuTable = (repetitions: number, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  table(
    [
      "CPU time per job (ms), API server / worker(s)",
      ...Array.from({ length: repetitions }, (_, index) => `Repetition ${index + 1}`),
    ],
    rows,
  )

export const throughput: Scenario = {
  name: "throughput",
  title: "Throughput",
  run: async (settings, stack, progress, startSystem) => {
    const jobs = settings.samples ?? (settings.smoke ? SMOKE_JOBS : FULL_JOBS)
    const rows: Array<RateRow> = []
    const figures: Array<Figure> = []
    const loads: Array<string> = []
    // One row per set-up of ours, one cell per repetition: "API server / worker / ..." in ms.
    const cpuRows: Array<ReadonlyArray<string>> = []
    const record = (metric: string, system: string, label: string, values: Array<number>) => {
      rows.push({ label, values })
      figures.push(rateFigure(metricOf(metric), system, values))
    }
    const report = (label: string, repetition: number, rate: number) =>
      progress(
        `throughput: ${label} repetition ${repetition}/${settings.repetitions}: ${rate.toFixed(1)} jobs/s`,
      )

    const ourSetups = settings.smoke ? OUR_SETUPS.slice(1, 2) : OUR_SETUPS
    for (const setup of ourSetups) {
      await scoped(stack, async (own) => {
        const system = await startSystem(own, "bench-throughput", setup)
        const rates: Array<number> = []
        const cpuCells: Array<string> = []
        for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
          const loadBefore = loadAverage()
          const cpuBefore = await cpuOf(system)
          const done = completions(system, jobs)
          const begin = epochMillis()
          await createMany(system, jobs, `${setup.label} ${repetition}`)
          const rate = (jobs * 1000) / ((await done) - begin)
          rates.push(rate)
          const cpuAfter = await cpuOf(system)
          const perJob = (index: number) =>
            (((cpuAfter[index] ?? 0) - (cpuBefore[index] ?? 0)) / jobs).toFixed(2)
          cpuCells.push(cpuAfter.map((_, index) => perJob(index)).join(" / "))
          loads.push(`ours, ${setup.label}: ${loadBefore} -> ${loadAverage()}`)
          report(`ours, ${setup.label}`, repetition, rate)
        }
        record(setup.label, OURS, `ours, ${setup.label}`, rates)
        cpuRows.push([`ours, ${setup.label}`, ...cpuCells])
      })
    }

    // The backlog starts a worker per repetition, which is too slow for the smoke run.
    const backlog = settings.smoke
      ? Promise.resolve()
      : scoped(stack, async (own) => {
          const system = await startSystem(own, "bench-backlog", { workers: 0, concurrency: 10 })
          const rates: Array<number> = []
          for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
            await createMany(system, jobs, `backlog ${repetition}`)
            const loadBefore = loadAverage()
            const done = completions(system, jobs)
            const worker = await system.addWorker()
            const line = await worker.waitForLine(/message="worker started"/)
            const startedAt = Date.parse(/^timestamp=(\S+) /.exec(line)?.[1] ?? "")
            const rate = (jobs * 1000) / ((await done) - startedAt)
            rates.push(rate)
            loads.push(`ours, backlog: ${loadBefore} -> ${loadAverage()}`)
            report("ours, backlog", repetition, rate)
            await killIfRunning(worker)
          }
          record(BACKLOG_LABEL, OURS, `ours, ${BACKLOG_LABEL}`, rates)
        })
    await backlog

    const measurePeer = (peer: Peer, concurrency: number) =>
      scoped(stack, async (own: Stack) => {
        const run = await peer.start(own, concurrency, "throughput")
        const rates: Array<number> = []
        for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
          const loadBefore = loadAverage()
          run.done.reset()
          const done = run.done.waitForCount(jobs, DRAIN_TIMEOUT_MILLIS)
          const begin = performance.now()
          await mapLimited(
            Array.from({ length: jobs }, (_, index) => index),
            IN_FLIGHT,
            (index) => run.enqueue(`${repetition}-${index}`),
          )
          await done
          const rate = (jobs * 1000) / (run.done.last - begin)
          rates.push(rate)
          const label = `${peer.name}, concurrency ${concurrency}`
          loads.push(`${label}: ${loadBefore} -> ${loadAverage()}`)
          report(label, repetition, rate)
        }
        const setup = `1 worker, concurrency ${concurrency}`
        record(setup, peer.name, `${peer.name}, ${setup}`, rates)
      })
    const peerConcurrencies = settings.smoke ? [10] : PEER_CONCURRENCIES
    for (const peer of peersFor(settings.smoke)) {
      for (const concurrency of peerConcurrencies) {
        await measurePeer(peer, concurrency)
      }
    }

    return {
      settings: [
        ["Jobs per repetition", String(jobs)],
        ["Repetitions", String(settings.repetitions)],
        ["Requests or enqueue calls in flight", String(IN_FLIGHT)],
        ["Job", "duration 0 (ours), a handler that only reports its start and end (peers)"],
        ["Ours", "1 API server, the workers of the row, 1 SSE client, LOG_LEVEL=info"],
        [
          "pg-boss",
          "concurrency N = N work() calls, each fetching up to 100 jobs per poll (batchSize 100) and running them in turn; polling interval 2 s (default)",
        ],
      ],
      measures: [],
      tables: [rateTable("jobs/s", rows), cpuTable(settings.repetitions, cpuRows)],
      notes: [
        'Ours: from the first POST until the last JobCompleted arrives on the SSE client. Backlog: from the worker\'s "worker started" log line (whole milliseconds) until the last JobCompleted. Peers: from the first enqueue call until the worker process reports the last handler end.',
        "CPU time per job: the CPU time (user and system, from /proc/<pid>/stat) that each process used during the repetition, divided by the jobs, in ms, as API server / worker(s).",
        `1-minute load average at the start and end of each repetition: ${loads.join("; ")}.`,
      ],
      figures,
    }
  },
}
