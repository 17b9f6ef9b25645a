/**
 * EventFanOut on its own: response bodies are read directly, and the event bus is a
 * queue that the test fills, so a test can hold a client back or end the bus's stream
 * at an exact point.
 */
import { randomUUID } from "node:crypto"
import type { Readable } from "node:stream"
import { type DomainEvent, WorkerStopped } from "@jobs/domain"
import { Effect, Exit, Queue, Scope, Stream } from "effect"
import { describe, expect, it } from "vitest"
import * as EventFanOut from "../src/http/EventFanOut"

/** The item after which the test bus ends its stream, as a bus does after a gap. */
const END = "end" as const

const makeEvent = (): DomainEvent =>
  new WorkerStopped({
    eventId: randomUUID(),
    workerId: "worker-test",
    occurredAt: new Date(),
    producer: "worker-test",
    reason: "shutdown",
    stoppedAt: new Date(),
  })

interface TestBus {
  readonly events: Stream.Stream<DomainEvent>
  readonly publish: (item: DomainEvent | typeof END) => void
  /** Returns how many runs of `events` are in progress. */
  readonly running: () => number
}

const makeBus = (): TestBus => {
  const queue = Effect.runSync(Queue.unbounded<DomainEvent | typeof END>())
  let running = 0
  return {
    events: Stream.fromQueue(queue).pipe(
      Stream.takeWhile((item): item is DomainEvent => item !== END),
      Stream.onStart(Effect.sync(() => running++)),
      Stream.ensuring(Effect.sync(() => running--)),
    ),
    publish: (item) => {
      queue.unsafeOffer(item)
    },
    running: () => running,
  }
}

/** Everything read from a body so far, and whether it has ended. */
class BodyReader {
  text = ""
  ended = false
  private readonly waiters = new Set<() => void>()

  constructor(body: Readable) {
    body.setEncoding("utf8")
    body.on("data", (chunk: string) => {
      this.text += chunk
      this.notify()
    })
    body.on("end", () => {
      this.ended = true
      this.notify()
    })
  }

  private notify() {
    for (const waiter of this.waiters) {
      waiter()
    }
  }

  /** Resolves once `condition` holds; fails after 5 s with what was read. */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (condition()) {
          clearTimeout(timer)
          this.waiters.delete(check)
          resolve()
        }
      }
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`condition not met within 5 s, read so far: ${this.text.slice(-300)}`))
      }, 5000)
      this.waiters.add(check)
      check()
    })
  }

  /** Resolves once the text contains `needle`. */
  contains(needle: string): Promise<void> {
    return this.until(() => this.text.includes(needle))
  }

  /** Resolves once the body has ended. */
  end(): Promise<void> {
    return this.until(() => this.ended)
  }
}

/** Runs `use` with a fan-out over `bus` and a scope in which bodies are opened. */
const withFanOut = (
  bus: TestBus,
  use: (fanOut: EventFanOut.EventFanOut, scope: Scope.CloseableScope) => Promise<void>,
) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const fanOut = yield* EventFanOut.make(bus.events)
        const scope = yield* Scope.make()
        yield* Effect.promise(() => use(fanOut, scope))
        yield* Scope.close(scope, Exit.void)
      }),
    ),
  )

const open = (fanOut: EventFanOut.EventFanOut, scope: Scope.Scope) =>
  Effect.runPromise(Scope.extend(fanOut.open, scope))

const clients = (fanOut: EventFanOut.EventFanOut) => Effect.runSync(fanOut.clients)

/** Waits until the bus has exactly `count` runs of its stream in progress. */
const waitForRunning = async (bus: TestBus, count: number) => {
  const deadline = Date.now() + 5000
  while (bus.running() !== count) {
    if (Date.now() > deadline) {
      throw new Error(`expected ${count} runs of the event stream, found ${bus.running()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe("EventFanOut", () => {
  it("body starts with the opening and a keep-alive", async () => {
    const bus = makeBus()
    await withFanOut(bus, async (fanOut, scope) => {
      const reader = new BodyReader(await open(fanOut, scope))

      await reader.contains(`event: ${EventFanOut.KEEP_ALIVE_EVENT}\n`)

      expect(reader.text).toMatch(/^: connected\nretry: \d+\n\nevent: keep-alive\ndata: \{/)
    })
  })

  it("every client receives each event once", async () => {
    const bus = makeBus()
    await withFanOut(bus, async (fanOut, scope) => {
      const readers = []
      for (let index = 0; index < 3; index++) {
        readers.push(new BodyReader(await open(fanOut, scope)))
      }
      const first = makeEvent()
      const second = makeEvent()

      bus.publish(first)
      bus.publish(second)
      for (const reader of readers) {
        await reader.contains(`id: ${second.eventId}\n`)
      }

      expect(bus.running()).toBe(1)
      for (const reader of readers) {
        expect(reader.text.split(`id: ${first.eventId}\n`).length).toBe(2)
        expect(reader.text.indexOf(first.eventId)).toBeLessThan(reader.text.indexOf(second.eventId))
        expect(reader.text).toContain('"event_type":"WorkerStopped"')
      }
    })
  })

  it("stuck client is ended and others keep receiving", async () => {
    const bus = makeBus()
    await withFanOut(bus, async (fanOut, scope) => {
      // Nothing reads this body, as when a client stops reading its socket.
      const stuck = await open(fanOut, scope)
      const reader = new BodyReader(await open(fanOut, scope))
      let last = makeEvent()
      bus.publish(last)
      await reader.contains(last.eventId)

      while (stuck.readableLength <= EventFanOut.MAX_UNSENT_BYTES) {
        last = makeEvent()
        bus.publish(last)
        await reader.contains(last.eventId)
      }
      const afterLimit = makeEvent()
      bus.publish(afterLimit)
      await reader.contains(afterLimit.eventId)

      expect(clients(fanOut)).toBe(1)
      const stuckReader = new BodyReader(stuck)
      await stuckReader.end()
      expect(stuckReader.text).toContain(last.eventId)
      expect(stuckReader.text).not.toContain(afterLimit.eventId)
    })
  })

  it("client that left mid-stream is skipped", async () => {
    const bus = makeBus()
    await withFanOut(bus, async (fanOut, scope) => {
      const disconnected = await open(fanOut, scope)
      const reader = new BodyReader(await open(fanOut, scope))
      // The HTTP server destroys the body when its client disconnects, before the
      // request's scope removes it from the fan-out.
      disconnected.destroy()
      const event = makeEvent()

      bus.publish(event)

      await reader.contains(event.eventId)
      expect(disconnected.destroyed).toBe(true)
    })
  })

  it("end of the bus stream ends every body", async () => {
    const bus = makeBus()
    await withFanOut(bus, async (fanOut, scope) => {
      const readers = [
        new BodyReader(await open(fanOut, scope)),
        new BodyReader(await open(fanOut, scope)),
      ]
      await waitForRunning(bus, 1)

      bus.publish(END)

      for (const reader of readers) {
        await reader.end()
      }
      expect(clients(fanOut)).toBe(0)
      await waitForRunning(bus, 0)

      const later = new BodyReader(await open(fanOut, scope))
      const event = makeEvent()
      bus.publish(event)
      await later.contains(event.eventId)
      expect(bus.running()).toBe(1)
    })
  })

  it("last client leaving stops the subscription", async () => {
    const bus = makeBus()
    await withFanOut(bus, async (fanOut) => {
      const scope = Effect.runSync(Scope.make())
      await open(fanOut, scope)
      await open(fanOut, scope)
      await waitForRunning(bus, 1)

      await Effect.runPromise(Scope.close(scope, Exit.void))

      await waitForRunning(bus, 0)
      expect(clients(fanOut)).toBe(0)
    })
  })

  it("close ends open bodies and later ones", async () => {
    const bus = makeBus()
    await withFanOut(bus, async (fanOut, scope) => {
      const before = new BodyReader(await open(fanOut, scope))
      await waitForRunning(bus, 1)

      await Effect.runPromise(fanOut.close)

      await before.end()
      const after = new BodyReader(await open(fanOut, scope))
      await after.end()
      expect(after.text).toMatch(/^: connected\nretry: \d+\n\n/)
      await waitForRunning(bus, 0)
    })
  })
})
