/**
 * SSE clients for the event-delivery scenario, in a process of their own so their work
 * does not slow down the benchmark process. Opens SSE_CONNECTIONS streams to SSE_URL and,
 * for each job event a worker produced (JobStarted, JobCompleted), keeps the delay from the envelope's `timestamp` (set
 * by the worker when it made the event) to the arrival of the bytes here.
 *
 * Prints `connected <n>` once every stream has responded with 200. On SIGUSR2 it writes the
 * delays kept so far to SSE_OUTPUT as a JSON array, forgets them, and prints `written <n>`.
 *
 * While the events arrive, each stream only stores its chunks with their arrival times, and
 * the frames are parsed on SIGUSR2. Parsing as they arrive would put the work on one event's
 * earlier streams (all the others in this process, at worst) in front of the arrival time of the later ones.
 *
 * Run with `node --import tsx bench/src/clients/sseClients.ts`.
 */
import { writeFileSync } from "node:fs"
import http from "node:http"

const url = process.env.SSE_URL
const connections = Number(process.env.SSE_CONNECTIONS)
const output = process.env.SSE_OUTPUT
if (url === undefined || output === undefined || !Number.isInteger(connections)) {
  throw new Error("SSE_URL, SSE_CONNECTIONS and SSE_OUTPUT must be set")
}

let delays: Array<number> = []
let connected = 0

/** One stream's received text: the chunks not parsed yet, each with its arrival time. */
interface Received {
  readonly chunks: Array<string>
  readonly arrivals: Array<number>
  /** The end of the text parsed so far, an incomplete frame. */
  pending: string
}

const streams: Array<Received> = []

/** Reads the delays of the complete frames in `text`; returns the incomplete rest. */
const readFrames = (text: string, arrivedAt: number): string => {
  const frames = text.split("\n\n")
  const rest = frames.pop() ?? ""
  for (const frame of frames) {
    const data = frame.split("\n").find((line) => line.startsWith("data: "))
    if (data !== undefined) {
      // The stream also carries the workers' own events (a worker started, stopped), which
      // have another shape; only the job events a worker produced count.
      const envelope = JSON.parse(data.slice("data: ".length)) as {
        event_type?: string
        timestamp?: string
        producer?: string
      }
      if (
        (envelope.event_type === "JobStarted" || envelope.event_type === "JobCompleted") &&
        envelope.producer?.startsWith("worker") === true &&
        envelope.timestamp !== undefined
      ) {
        delays.push(arrivedAt - Date.parse(envelope.timestamp))
      }
    }
  }
  return rest
}

/** Parses every chunk received so far; a frame's arrival is that of the chunk that completed it. */
const parseReceived = (received: Received): void => {
  for (let index = 0; index < received.chunks.length; index++) {
    received.pending = readFrames(
      received.pending + (received.chunks[index] ?? ""),
      received.arrivals[index] ?? 0,
    )
  }
  received.chunks.length = 0
  received.arrivals.length = 0
}

const open = () => {
  const request = http.get(url, { agent: false }, (response) => {
    if (response.statusCode !== 200) {
      throw new Error(`GET ${url} returned ${response.statusCode}`)
    }
    response.setEncoding("utf8")
    const received: Received = { chunks: [], arrivals: [], pending: "" }
    streams.push(received)
    response.on("data", (chunk: string) => {
      // Date.now() like the worker's timestamp, so both have whole milliseconds of the same clock.
      received.arrivals.push(Date.now())
      received.chunks.push(chunk)
    })
    response.on("end", () => {
      throw new Error("an event stream ended")
    })
    if (++connected === connections) {
      process.stdout.write(`connected ${connected}\n`)
    }
  })
  request.on("error", (error) => {
    throw error
  })
}

for (let index = 0; index < connections; index++) {
  open()
}

process.on("SIGUSR2", () => {
  for (const received of streams) {
    parseReceived(received)
  }
  writeFileSync(output, JSON.stringify(delays))
  process.stdout.write(`written ${delays.length}\n`)
  delays = []
})
