/**
 * Pickup latency: how long a job waits on an idle queue before a worker starts it, for our
 * app and for each peer, on the same machine in the same run.
 *
 * Ours: the time from just before POST /api/jobs (a job of duration 0) until its JobStarted
 * arrives on GET /api/events, which is what a user of the web app waits for. Two more measures
 * end at the API server's "job created" log line (after the job's commit and PUBLISH) and
 * at the worker's "job claimed" line (after the claim's commit and PUBLISH), by their
 * timestamps in whole milliseconds. The second is the closest match to the peers' figure.
 * Peers: the time from just before the enqueue call until the line of the peer's worker
 * process saying that the job's handler started arrives in the benchmark process.
 *
 * Jobs are sent on a fixed random schedule, 10-500 ms apart, without waiting for the
 * previous one to start, so a system that polls (pg-boss) is measured as it behaves: jobs
 * wait for the next poll. Systems that react within the gap always find the queue idle.
 */
import { createJob, sleep } from "../../../faults/support/api"
import { scoped } from "../children"
import { cpuMillis } from "../cpu"
import { loadAverage } from "../environment"
import { latencyFigures, OURS } from "../figures"
import { LogWatch } from "../logLines"
import { writeSamples } from "../output"
import { type Peer, peersFor } from "../peers/peers"
import type { Figure, Measure, Scenario } from "../scenario"
import { summarize } from "../stats"

const FULL_SAMPLES = 200
const SMOKE_SAMPLES = 5
const WARMUP_SAMPLES = 5
const SMOKE_WARMUP_SAMPLES = 1
const MIN_GAP_MILLIS = 10
const MAX_GAP_MILLIS = 500
const CONCURRENCY = 10
// pg-boss polls every 2 s, so a few seconds is the most a healthy system needs.
const STEP_TIMEOUT_MILLIS = 30_000
// How long our idle processes are watched to learn the CPU their timers use (heartbeats,
// sweeps, stale checks), which the CPU time per job then leaves out.
const IDLE_CPU_WINDOW_MILLIS = 5_000

interface Sample {
  readonly toStart: number
  /** Ours only: to the API server's "job created" line, then to the worker's "job claimed" line. */
  readonly toCreatedLog?: number
  readonly toClaimedLog?: number
}

const randomGap = () => MIN_GAP_MILLIS + Math.random() * (MAX_GAP_MILLIS - MIN_GAP_MILLIS)

/**
 * Sends `count` jobs with `send` on the random schedule. Each `send` resolves with its
 * job's latency once the job has started, and the result lists them in order.
 */
const onSchedule = async (
  count: number,
  send: (index: number) => Promise<number>,
): Promise<Array<number>> => {
  const pending: Array<Promise<number>> = []
  for (let index = 0; index < count; index++) {
    pending.push(send(index))
    await sleep(randomGap())
  }
  return Promise.all(pending)
}

interface Run {
  readonly label: string
  readonly measures: Array<Measure>
  readonly figures: Array<Figure>
  readonly loads: Array<string>
}

/** CPU milliseconds used so far by each process, and when they were read. */
interface CpuReading {
  readonly millis: ReadonlyArray<number>
  readonly at: number
}

const readCpu = async (pids: ReadonlyArray<number>): Promise<CpuReading> => ({
  millis: await Promise.all(pids.map(cpuMillis)),
  at: performance.now(),
})

/** CPU milliseconds per second that each process used between two readings. */
const cpuRate = (from: CpuReading, to: CpuReading): Array<number> =>
  to.millis.map(
    (millis, index) => ((millis - (from.millis[index] ?? 0)) * 1000) / (to.at - from.at),
  )

/**
 * CPU milliseconds per job of each process between two readings, without the CPU that the
 * process uses when idle (`idleRate`, per second) over the same time.
 */
const cpuPerJob = (
  from: CpuReading,
  to: CpuReading,
  jobs: number,
  idleRate: ReadonlyArray<number>,
): Array<number> =>
  to.millis.map((millis, index) => {
    const idle = ((idleRate[index] ?? 0) * (to.at - from.at)) / 1000
    return (millis - (from.millis[index] ?? 0) - idle) / jobs
  })

const PICKUP = "pickup latency"

export const pickup: Scenario = {
  name: "pickup",
  title: "Pickup latency",
  run: async (settings, stack, progress, startSystem) => {
    const samples = settings.samples ?? (settings.smoke ? SMOKE_SAMPLES : FULL_SAMPLES)
    const warmups = settings.smoke ? SMOKE_WARMUP_SAMPLES : WARMUP_SAMPLES
    // The smoke run watches the idle processes for 1 s only.
    const idleWindow = settings.smoke ? IDLE_CPU_WINDOW_MILLIS / 5 : IDLE_CPU_WINDOW_MILLIS
    const runs: Array<Run> = []
    // Ours only: the CPU time per job of the API server and the worker, one entry per repetition.
    const cpuCosts: Array<string> = []
    let idleCpu = ""

    const repeat = async (
      label: string,
      send: (key: string) => Promise<Sample>,
      cpu?: { readonly pids: ReadonlyArray<number>; readonly idleRate: ReadonlyArray<number> },
    ) => {
      for (let index = 0; index < warmups; index++) {
        await send(`${label}-warm-${index}`)
      }
      const repetitions: Array<Array<Sample>> = []
      const loads: Array<string> = []
      for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
        const loadBefore = loadAverage()
        const measured: Array<Sample> = []
        const cpuBefore = cpu === undefined ? undefined : await readCpu(cpu.pids)
        await onSchedule(samples, async (index) => {
          const sample = await send(`${label}-${repetition}-${index}`)
          measured.push(sample)
          return sample.toStart
        })
        if (cpu !== undefined && cpuBefore !== undefined) {
          const perJob = cpuPerJob(cpuBefore, await readCpu(cpu.pids), samples, cpu.idleRate)
          cpuCosts.push(perJob.map((millis) => millis.toFixed(2)).join(" / "))
        }
        repetitions.push(measured)
        loads.push(`${loadBefore} -> ${loadAverage()}`)
        const summary = summarize(measured.map((sample) => sample.toStart))
        progress(
          `pickup: ${label} repetition ${repetition}/${settings.repetitions}: p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms`,
        )
      }
      return { repetitions, loads }
    }

    // Ours, with real processes, stopped before the peers run.
    await scoped(stack, async (own) => {
      const system = await startSystem(own, "bench-pickup", { concurrency: CONCURRENCY })
      const created = new LogWatch(system.api, "job created")
      const claimed = new LogWatch(system.worker, "job claimed")
      const pids = [system.api, system.worker].map((running) => running.child.pid ?? 0)
      const idleFrom = await readCpu(pids)
      await sleep(idleWindow)
      const idleRate = cpuRate(idleFrom, await readCpu(pids))
      idleCpu = idleRate.map((rate) => rate.toFixed(1)).join(" / ")
      const { repetitions, loads } = await repeat(
        OURS,
        async (key) => {
          const sentAtWallClock = Date.now()
          const sentAt = performance.now()
          const job = await createJob(system.baseUrl, `bench pickup ${key}`, 0)
          const [started, createdAt, claimedAt] = await Promise.all([
            system.events.waitFor(job.id, "JobStarted", STEP_TIMEOUT_MILLIS),
            created.waitFor(job.id, STEP_TIMEOUT_MILLIS),
            claimed.waitFor(job.id, STEP_TIMEOUT_MILLIS),
          ])
          system.events.forget(job.id)
          created.forget(job.id)
          claimed.forget(job.id)
          return {
            toStart: started.arrivedAt - sentAt,
            toCreatedLog: createdAt - sentAtWallClock,
            toClaimedLog: claimedAt - sentAtWallClock,
          }
        },
        { pids, idleRate },
      )
      await writeSamples("pickup-ours", repetitions)
      const onSse = repetitions.map((measured) => summarize(measured.map((s) => s.toStart)))
      runs.push({
        label: OURS,
        loads,
        measures: [
          { name: "ours: POST /api/jobs -> JobStarted on SSE", repetitions: onSse },
          {
            name: "ours: POST /api/jobs -> API server logged job created",
            repetitions: repetitions.map((measured) =>
              summarize(measured.map((s) => s.toCreatedLog ?? 0)),
            ),
          },
          {
            name: "ours: POST /api/jobs -> worker logged job claimed",
            repetitions: repetitions.map((measured) =>
              summarize(measured.map((s) => s.toClaimedLog ?? 0)),
            ),
          },
        ],
        figures: latencyFigures(PICKUP, OURS, onSse),
      })
    })

    const measurePeer = (peer: Peer) =>
      scoped(stack, async (own) => {
        const run = await peer.start(own, CONCURRENCY, "pickup")
        const { repetitions, loads } = await repeat(peer.name, async (key) => {
          const sentAt = performance.now()
          await run.enqueue(key)
          const startedAt = await run.started.waitFor(key, STEP_TIMEOUT_MILLIS)
          return { toStart: startedAt - sentAt }
        })
        await writeSamples(`pickup-${peer.packageName}`, repetitions)
        const summaries = repetitions.map((measured) => summarize(measured.map((s) => s.toStart)))
        runs.push({
          label: peer.name,
          loads,
          measures: [{ name: `${peer.name}: enqueue -> handler started`, repetitions: summaries }],
          figures: latencyFigures(PICKUP, peer.name, summaries),
        })
      })
    for (const peer of peersFor(settings.smoke)) {
      await measurePeer(peer)
    }

    return {
      settings: [
        ["Samples per repetition", String(samples)],
        ["Repetitions", String(settings.repetitions)],
        ["Warm-up samples (not counted)", String(warmups)],
        [
          "Gap between sends",
          `random ${MIN_GAP_MILLIS}-${MAX_GAP_MILLIS} ms, not waiting for the previous job`,
        ],
        ["Job", "duration 0 (ours), a handler that only reports its start (peers)"],
        ["Worker", `1 process, concurrency ${CONCURRENCY}, for each system`],
        ["Ours", "1 API server, 1 worker, 1 SSE client, LOG_LEVEL=info"],
        ["pg-boss", "polling interval 2 s (the default), 10 work() calls with batchSize 100"],
      ],
      measures: runs.flatMap((run) => run.measures),
      notes: [
        "Our figure ends when the JobStarted event reaches an SSE client, so it includes the worker's PUBLISH and the API server's forwarding; the peers' figure ends inside the worker. The log measure of ours is the nearer match, in whole milliseconds.",
        `Ours, CPU time per job, API server / worker, in ms, per repetition: ${cpuCosts.join(", ")}. It is the CPU time (user and system, from /proc/<pid>/stat) each process used during the repetition, less what it uses when idle, divided by the jobs. Idle, measured over ${idleWindow / 1000} s before the first repetition: ${idleCpu} ms of CPU per second.`,
        ...runs.map(
          (run) =>
            `1-minute load average at the start and end of each repetition, ${run.label}: ${run.loads.join(", ")}.`,
        ),
      ],
      figures: runs.flatMap((run) => run.figures),
    }
  },
}
