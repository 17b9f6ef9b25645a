/**
 * SSE clients for the event-delivery scenario, in a process of their own so their work
 * does not slow down the benchmark process. Opens SSE_CONNECTIONS streams to SSE_URL and,
 * for each job event a worker produced (JobStarted, JobCompleted), keeps the delay from the envelope's `timestamp` (set
 * by the worker when it made the event) to the arrival of the bytes here.
 *
 * Prints `connected <n>` once every stream has responded with 200. On SIGUSR2 it writes the
 * delays kept so far to SSE_OUTPUT as a JSON array, forgets them, and prints `written <n>`.
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

const open = () => {
  const request = http.get(url, { agent: false }, (response) => {
    if (response.statusCode !== 200) {
      throw new Error(`GET ${url} returned ${response.statusCode}`)
    }
    response.setEncoding("utf8")
    let pending = ""
    response.on("data", (chunk: string) => {
      // Date.now() like the worker's timestamp, so both have whole milliseconds of the same
      // clock. The clock is read before any parsing, so the delay does not include this process's work on the chunk.
      pending = readFrames(pending + chunk, Date.now())
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
  writeFileSync(output, JSON.stringify(delays))
  process.stdout.write(`written ${delays.length}\n`)
  delays = []
})
