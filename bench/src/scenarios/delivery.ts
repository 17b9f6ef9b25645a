/**
 * Event delivery: how long a worker's event takes to reach SSE clients, with 1, 100 and
 * 1,000 clients on one API server, and how much memory the API server holds for them.
 *
 * The worker sets each envelope's `timestamp` when it makes the event. Each client process
 * subtracts it from the arrival time of the bytes, on the same machine clock. The envelope's
 * timestamp has whole milliseconds, so each delay is up to 1 ms too long. Events come from
 * jobs of duration 0 created 100 ms apart (JobStarted and JobCompleted of each are counted).
 * The clients run in 1 process (1 and 100 clients) or 2 processes of 500 (1,000 clients),
 * separate from the benchmark process.
 */
import { mkdir, readFile } from "node:fs/promises"
import path from "node:path"
import { createJob, sleep } from "../../../faults/support/api"
import type { Stack } from "../../../faults/support/harness"
import { awaitLine, onLines, scoped, startScript } from "../children"
import { loadAverage } from "../environment"
import { latencyFigures, OURS } from "../figures"
import { OUTPUT_DIR } from "../output"
import type { Figure, Measure, Scenario } from "../scenario"
import { summarize } from "../stats"
import { SHARED_SYSTEM_SETTINGS, type System } from "../system"

const FULL_CLIENTS = [1, 100, 1000] as const
// One count in the smoke run, because each count starts a client process, which takes seconds.
const SMOKE_CLIENTS = [20] as const
const FULL_JOBS = 100
const SMOKE_JOBS = 10
// 10 jobs per second, far below the worker's throughput, so no event waits in a queue.
const JOB_SPACING_MILLIS = 100
const CLIENTS_PER_PROCESS = 500
// After the last JobCompleted reached the benchmark's own client, the others may still be
// reading; this grace period lets them finish before they report.
const SETTLE_MILLIS = 500
const STEP_TIMEOUT_MILLIS = 60_000

/** Resident memory of a process in MiB, from /proc/<pid>/status. */
export const residentMiB = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, "utf8")
  const kibibytes = /^VmRSS:\s*(\d+) kB$/m.exec(status)?.[1]
  if (kibibytes === undefined) {
    throw new Error(`/proc/${pid}/status has no VmRSS`)
  }
  return Number(kibibytes) / 1024
}

/** Reads the soft limit of open files of this process, which its children inherit. */
const openFileLimit = async () => {
  const limits = await readFile("/proc/self/limits", "utf8")
  return /^Max open files\s+(\S+)/m.exec(limits)?.[1] ?? "unknown"
}

interface ClientProcess {
  readonly flush: () => Promise<Array<number>>
}

const startClients = async (
  stack: Stack,
  system: System,
  name: string,
  connections: number,
): Promise<ClientProcess> => {
  // The client process writes its samples here without creating the directory.
  await mkdir(OUTPUT_DIR, { recursive: true })
  const output = path.join(OUTPUT_DIR, `${name}-${process.pid}.json`)
  const running = startScript(stack, name, "bench/src/clients/sseClients.ts", {
    SSE_URL: `${system.baseUrl}/api/events`,
    SSE_CONNECTIONS: String(connections),
    SSE_OUTPUT: output,
  })
  let written: (() => void) | undefined
  onLines(running, (line) => {
    if (line.startsWith("written ")) {
      written?.()
    }
  })
  await awaitLine(stack, running, new RegExp(`^connected ${connections}$`, "m"))
  return {
    flush: async () => {
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name} wrote nothing`)),
          STEP_TIMEOUT_MILLIS,
        )
        written = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      running.child.kill("SIGUSR2")
      await Promise.race([
        done,
        running.exited.then((exit) => {
          throw new Error(`${name} exited (${JSON.stringify(exit)}) before writing its samples`)
        }),
      ])
      return JSON.parse(await readFile(output, "utf8")) as Array<number>
    },
  }
}

/** Creates `jobs` jobs of duration 0, one every JOB_SPACING_MILLIS, and waits for their JobCompleted. */
const produceEvents = async (system: System, jobs: number, label: string) => {
  const ids: Array<string> = []
  for (let index = 0; index < jobs; index++) {
    ids.push((await createJob(system.baseUrl, `bench delivery ${label} ${index}`, 0)).id)
    await sleep(JOB_SPACING_MILLIS)
  }
  for (const id of ids) {
    await system.events.waitFor(id, "JobCompleted", STEP_TIMEOUT_MILLIS)
    system.events.forget(id)
  }
}

export const delivery: Scenario = {
  name: "delivery",
  title: "Event delivery",
  run: async (settings, stack, progress, startSystem) => {
    const clientCounts = settings.smoke ? SMOKE_CLIENTS : FULL_CLIENTS
    const jobs = settings.samples ?? (settings.smoke ? SMOKE_JOBS : FULL_JOBS)
    const maxClients = Math.max(...clientCounts) + 10
    const system = await startSystem(stack, "bench-delivery", {
      concurrency: 10,
      sseMaxClients: maxClients,
    })
    const apiPid = system.api.child.pid ?? 0
    const memory: Array<[string, string]> = [
      [
        "API server RSS, 1 SSE client (the benchmark's)",
        `${(await residentMiB(apiPid)).toFixed(1)} MiB`,
      ],
    ]
    const measures: Array<Measure> = []
    const figures: Array<Figure> = []
    const loads: Array<string> = []

    for (const clients of clientCounts) {
      await scoped(stack, async (own) => {
        const processes = Math.ceil(clients / CLIENTS_PER_PROCESS)
        const started: Array<ClientProcess> = []
        for (let index = 0; index < processes; index++) {
          const share = Math.min(CLIENTS_PER_PROCESS, clients - index * CLIENTS_PER_PROCESS)
          started.push(
            await startClients(
              own,
              system,
              `bench-delivery-clients-${clients}-${index + 1}`,
              share,
            ),
          )
        }
        const connectedRss = await residentMiB(apiPid)
        let peakRss = connectedRss
        await produceEvents(system, 5, `warm-up ${clients}`)
        await sleep(SETTLE_MILLIS)
        await Promise.all(started.map((client) => client.flush()))

        const repetitions = []
        for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
          const loadBefore = loadAverage()
          await produceEvents(system, jobs, `${clients} ${repetition}`)
          await sleep(SETTLE_MILLIS)
          peakRss = Math.max(peakRss, await residentMiB(apiPid))
          const delays = (await Promise.all(started.map((client) => client.flush()))).flat()
          const expected = jobs * 2 * clients
          if (delays.length !== expected) {
            throw new Error(
              `${clients} clients received ${delays.length} worker events, expected ${expected}`,
            )
          }
          const summary = summarize(delays)
          repetitions.push(summary)
          loads.push(`${clients} clients: ${loadBefore} -> ${loadAverage()}`)
          progress(
            `delivery: ${clients} clients, repetition ${repetition}/${settings.repetitions}: p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms`,
          )
        }
        const metric = `event delivery, ${clients} SSE clients`
        measures.push({ name: `worker event timestamp -> ${clients} SSE clients`, repetitions })
        figures.push(...latencyFigures(metric, OURS, repetitions))
        memory.push(
          [
            `API server RSS, ${clients} clients connected, before events`,
            `${connectedRss.toFixed(1)} MiB`,
          ],
          [
            `API server RSS, ${clients} clients, highest after a repetition`,
            `${peakRss.toFixed(1)} MiB`,
          ],
        )
        if (clients === Math.max(...clientCounts)) {
          figures.push({
            metric: `API server RSS at ${clients} SSE clients (MiB)`,
            system: OURS,
            value: { median: peakRss, min: peakRss, max: peakRss },
            higherIsBetter: false,
          })
        }
      })
    }

    return {
      settings: [
        ["SSE clients", clientCounts.join(", ")],
        ["Client processes", `1 per ${CLIENTS_PER_PROCESS} clients`],
        [
          "Jobs per repetition",
          `${jobs} (duration 0, ${JOB_SPACING_MILLIS} ms apart; 2 worker events each)`,
        ],
        ["Repetitions", String(settings.repetitions)],
        [
          "Ours",
          settings.smoke
            ? SHARED_SYSTEM_SETTINGS
            : `1 API server (SSE_MAX_CLIENTS=${maxClients}), 1 worker (concurrency 10), LOG_LEVEL=info`,
        ],
        ["Open files limit (ulimit -n) of the processes", await openFileLimit()],
      ],
      measures,
      tables: [
        [
          "| Memory | Value |",
          "| --- | --- |",
          ...memory.map(([label, value]) => `| ${label} | ${value} |`),
        ].join("\n"),
      ],
      notes: [
        "Each sample is one event at one client: a repetition with N clients has 2 x jobs x N samples. The envelope's timestamp and the arrival time are both `Date.now()` values in whole milliseconds, so a delay may be off by up to 1 ms. The timestamp is taken when the worker makes the event, before its database commit and its PUBLISH, so the delay includes that commit.",
        `1-minute load average at the start and end of each repetition: ${loads.join("; ")}.`,
      ],
      figures,
    }
  },
}
