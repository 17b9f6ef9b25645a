/**
 * A redis-server child process of the test's own, on a free port of 127.0.0.1, for tests
 * that stop and restart Redis. It keeps no data (`--save ""`, no append-only file), and
 * the shared Redis on port 6379 is never touched.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { connect } from "node:net"
import { closedPort } from "./Network"

const READY_TIMEOUT_MILLIS = 10_000
const STOP_TIMEOUT_MILLIS = 5_000
const POLL_MILLIS = 50

/** Sends PING over a plain TCP connection and resolves true on a `+PONG` reply. */
export const answersPing = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port })
    const finish = (answer: boolean) => {
      socket.destroy()
      resolve(answer)
    }
    socket.setTimeout(1_000, () => finish(false))
    socket.once("error", () => finish(false))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.once("data", (data) => finish(data.toString("utf8").startsWith("+PONG")))
  })

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()))

export class RedisServerProcess {
  private child: ChildProcess | undefined

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts a server on a free port and resolves once PING returns PONG. */
  static async start(): Promise<RedisServerProcess> {
    const server = new RedisServerProcess(await closedPort())
    await server.startAgain()
    return server
  }

  /** Starts the server again on the same port after `stop`, and resolves once PING returns PONG. */
  async startAgain(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1"]
    const child = spawn("redis-server", [...args, "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    })
    this.child = child
    const deadline = Date.now() + READY_TIMEOUT_MILLIS
    while (!(await answersPing(this.port))) {
      if (child.exitCode !== null) {
        throw new Error(`redis-server on port ${this.port} exited with code ${child.exitCode}`)
      }
      if (Date.now() > deadline) {
        throw new Error(`redis-server on port ${this.port} did not answer PING in time`)
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MILLIS))
    }
  }

  /** Stops the server with SIGTERM (SIGKILL after STOP_TIMEOUT_MILLIS) and waits for its exit. */
  async stop(): Promise<void> {
    const child = this.child
    if (child === undefined) {
      return
    }
    this.child = undefined
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MILLIS)
    child.kill("SIGTERM")
    await exited(child)
    clearTimeout(timer)
  }
}
