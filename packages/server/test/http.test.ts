/**
 * The HTTP API on a real server: NodeHttpServer on a random port, PostgreSQL in a
 * throwaway database and Redis on a channel of this file only.
 */

import * as http from "node:http"
import { SqlClient } from "@effect/sql"
import { InMemoryEventBus, Postgres, PostgresJobRepository, RedisEventBus } from "@jobs/adapters"
import {
  EventPublisher,
  type EventPublisherShape,
  EventSubscriber,
  isJobEvent,
  Job,
  type JobEvent,
  JobId,
  JobRepository,
  nextEventMeta,
  Producer,
  runJob,
} from "@jobs/domain"
import { Effect, Either, Logger, LogLevel, Option, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { awaitReceiving, eventsOf, startConsumer } from "../../adapters/test/support/EventConsumers"
import { closedPort } from "../../adapters/test/support/Network"
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDatabase,
} from "../../adapters/test/support/TestDatabase"
import { REDIS_URL, uniqueChannel } from "../../adapters/test/support/TestRedis"
import * as ServerLive from "../src/ServerLive"
import {
  ALLOWED_ORIGIN,
  startTestServer,
  type TestServer,
  testServerOptions,
} from "./support/TestServer"

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const UUID_MESSAGE = "id: must be a UUID such as 3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a"

interface JobJson {
  readonly id: string
  readonly name: string
  readonly durationSeconds: number
  readonly status: string
  readonly createdAt: string
  readonly startedAt: string | null
  readonly finishedAt: string | null
  readonly workerId: string | null
  readonly rerunOf: string | null
  readonly version: number
}

interface PageJson {
  readonly items: ReadonlyArray<JobJson>
  readonly nextCursor: string | null
}

interface ErrorJson {
  readonly _tag: string
  readonly message: string
  readonly issues?: ReadonlyArray<{
    readonly path: ReadonlyArray<string>
    readonly message: string
  }>
}

let database: TestDatabase
let channel: string
let server: TestServer

beforeAll(async () => {
  database = await createTestDatabase()
  channel = uniqueChannel()
  server = await startTestServer(ServerLive.layer(testServerOptions(database, channel)))
})

afterAll(async () => {
  await server?.stop()
  if (database !== undefined) {
    await dropTestDatabase(database)
  }
})

const post = (path: string, body?: string, contentType = "application/json") =>
  fetch(`${server.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    ...(body === undefined ? {} : { body }),
  })

const get = (path: string, base = server.baseUrl) => fetch(`${base}${path}`)

const createJob = async (name: string, durationSeconds: number): Promise<JobJson> => {
  const response = await post("/api/jobs", JSON.stringify({ name, durationSeconds }))
  expect(response.status).toBe(201)
  return (await response.json()) as JobJson
}

/**
 * Runs an effect on the test database as a worker named `worker-test` would, with events
 * published to an in-memory bus without readers.
 */
const asWorker = <A, E>(
  effect: Effect.Effect<A, E, JobRepository | EventPublisher | Producer>,
): Promise<A> =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(PostgresJobRepository.layer),
      Effect.provide(Postgres.layer({ url: database.redactedUrl })),
      Effect.provide([InMemoryEventBus.layer, Producer.layer("worker-test")]),
      Logger.withMinimumLogLevel(LogLevel.Warning),
    ),
  )

/** Creates a job of 0 seconds and runs it to COMPLETED. */
const createCompletedJob = async (name: string): Promise<JobJson> => {
  const job = await createJob(name, 0)
  const outcome = await asWorker(runJob(JobId.make(job.id)))
  expect(outcome).toBe("completed")
  return job
}

/** Creates a job and moves it to RUNNING on `worker-test`, which sends no heartbeats. */
const createRunningJob = async (name: string): Promise<JobJson> => {
  const job = await createJob(name, 30)
  await asWorker(
    Effect.gen(function* () {
      const repository = yield* JobRepository
      const pending = Option.getOrThrow(yield* repository.findById(JobId.make(job.id)))
      const meta = yield* nextEventMeta
      const start = Either.getOrThrow(Job.start(pending, meta.producer, meta))
      const stored = yield* repository.update(start.job, "PENDING", start.event)
      expect(Option.isSome(stored)).toBe(true)
    }),
  )
  return job
}

/** Runs an effect with the test's own Redis bus on the same channel as the server. */
const withTestBus = <A, E>(
  use: (bus: {
    readonly events: Stream.Stream<JobEvent>
    readonly publisher: EventPublisherShape
  }) => Effect.Effect<A, E>,
) =>
  Effect.gen(function* () {
    const { events } = yield* EventSubscriber
    const publisher = yield* EventPublisher
    return yield* use({ events: events.pipe(Stream.filter(isJobEvent)), publisher })
  }).pipe(
    Effect.provide(RedisEventBus.layer({ url: REDIS_URL, channel })),
    Logger.withMinimumLogLevel(LogLevel.Warning),
  )

describe("creating and reading jobs", () => {
  it("create returns 201 with the new PENDING job", async () => {
    const response = await post(
      "/api/jobs",
      JSON.stringify({ name: "  report  ", durationSeconds: 5 }),
    )

    expect(response.status).toBe(201)
    expect(response.headers.get("content-type")).toContain("application/json")
    const job = (await response.json()) as JobJson
    expect(job.id).toMatch(UUID)
    expect(job.name).toBe("report")
    expect(job.durationSeconds).toBe(5)
    expect(job.status).toBe("PENDING")
    expect(job.version).toBe(1)
    expect(job.createdAt).toMatch(ISO_UTC)
    expect(job.startedAt).toBeNull()
    expect(job.finishedAt).toBeNull()
    expect(job.rerunOf).toBeNull()
  })

  it("get returns the stored job", async () => {
    const created = await createJob("fetch me", 3)

    const response = await get(`/api/jobs/${created.id}`)

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual(created)
  })

  it("list filters by status and pages with nextCursor", async () => {
    const first = await createJob("page one", 1)
    const second = await createJob("page two", 1)
    const third = await createJob("page three", 1)
    const cancelled = await post(`/api/jobs/${second.id}/cancel`)
    expect(cancelled.status).toBe(200)

    const seen: Array<JobJson> = []
    let cursor: string | null = null
    do {
      const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`
      const response = await get(`/api/jobs?status=PENDING&limit=1${query}`)
      expect(response.status).toBe(200)
      const page = (await response.json()) as PageJson
      expect(page.items.length).toBeLessThanOrEqual(1)
      seen.push(...page.items)
      cursor = page.nextCursor
    } while (cursor !== null)

    const ids = seen.map((job) => job.id)
    expect(seen.every((job) => job.status === "PENDING")).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids).not.toContain(second.id)
    expect(ids.indexOf(third.id)).toBeLessThan(ids.indexOf(first.id))
    expect(ids.indexOf(third.id)).toBeGreaterThanOrEqual(0)

    const cancelledPage = (await (await get("/api/jobs?status=CANCELLED")).json()) as PageJson
    expect(cancelledPage.items.map((job) => job.id)).toContain(second.id)
    expect(cancelledPage.items.every((job) => job.status === "CANCELLED")).toBe(true)
  })

  it("list rejects limits outside 1-100 and non-numbers", async () => {
    for (const limit of ["0", "101", "x", "1.5"]) {
      const response = await get(`/api/jobs?limit=${limit}`)
      const body = (await response.json()) as ErrorJson

      expect(response.status, `limit=${limit}`).toBe(400)
      expect(body.message, `limit=${limit}`).toBe(
        `limit: must be a whole number from 1 to 100, got "${limit}"`,
      )
    }
  })

  it("list rejects a cursor it did not issue", async () => {
    const response = await get("/api/jobs?cursor=not-a-cursor")
    const body = (await response.json()) as ErrorJson

    expect(response.status).toBe(400)
    expect(body.message).toBe(
      `cursor: must be the nextCursor value of a previous page, got "not-a-cursor"`,
    )
  })

  it("list cuts a long rejected cursor short", async () => {
    const response = await get(`/api/jobs?cursor=${"c".repeat(5000)}`)
    const body = (await response.json()) as ErrorJson

    expect(response.status).toBe(400)
    expect(body.message).toBe(
      `cursor: must be the nextCursor value of a previous page, got "${"c".repeat(40)}"... (5000 characters)`,
    )
  })

  it("list rejects an unknown status", async () => {
    const response = await get("/api/jobs?status=DONE")
    const body = (await response.json()) as ErrorJson

    expect(response.status).toBe(400)
    expect(body.message).toBe(
      `status: must be one of PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, got "DONE"`,
    )
  })

  it("get of an id that is not a UUID is a 400", async () => {
    const response = await get("/api/jobs/not-a-uuid")
    const body = (await response.json()) as ErrorJson

    expect(response.status).toBe(400)
    expect(body.message).toBe(`${UUID_MESSAGE}, got "not-a-uuid"`)
  })

  it("get of a long id cuts it short", async () => {
    // The router matches a path parameter of at most 100 characters, so a longer id is a 404.
    const response = await get(`/api/jobs/${"a".repeat(100)}`)
    const body = (await response.json()) as ErrorJson

    expect(response.status).toBe(400)
    expect(body.message).toBe(`${UUID_MESSAGE}, got "${"a".repeat(40)}"... (100 characters)`)
  })

  it("get of an unknown job is a 404", async () => {
    const id = crypto.randomUUID()

    const response = await get(`/api/jobs/${id}`)

    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      _tag: "JobNotFound",
      jobId: id,
      message: `job ${id} not found`,
    })
  })
})

/** Builds the 400 message for a body that is not JSON, with the message JSON.parse gives for it. */
const malformedJsonMessage = (body: string): string => {
  let parserMessage = ""
  try {
    JSON.parse(body)
  } catch (error) {
    parserMessage = (error as SyntaxError).message
  }
  expect(parserMessage).not.toBe("")
  return `request body is not valid JSON (${parserMessage}): send a JSON object with name and durationSeconds, for example {"name":"report","durationSeconds":5}`
}

describe("invalid job input", () => {
  const cases: ReadonlyArray<{
    readonly title: string
    readonly body: string
    readonly message: string
  }> = [
    {
      title: "negative duration",
      body: `{"name":"x","durationSeconds":-1}`,
      message: "durationSeconds: must be a whole number of seconds from 0 to 30, got -1",
    },
    {
      title: "duration above 30",
      body: `{"name":"x","durationSeconds":31}`,
      message: "durationSeconds: must be a whole number of seconds from 0 to 30, got 31",
    },
    {
      title: "fractional duration",
      body: `{"name":"x","durationSeconds":1.5}`,
      message: "durationSeconds: must be a whole number of seconds from 0 to 30, got 1.5",
    },
    {
      title: "duration as a string",
      body: `{"name":"x","durationSeconds":"5"}`,
      message: `durationSeconds: must be a whole number of seconds from 0 to 30, got "5"`,
    },
    {
      title: "null duration",
      body: `{"name":"x","durationSeconds":null}`,
      message: "durationSeconds: must be a whole number of seconds from 0 to 30, got null",
    },
    {
      title: "duration that overflows to Infinity",
      body: `{"name":"x","durationSeconds":1e309}`,
      message: "durationSeconds: must be a whole number of seconds from 0 to 30, got Infinity",
    },
    {
      title: "empty name",
      body: `{"name":"","durationSeconds":1}`,
      message: "name: must be from 1 to 100 characters after trimming spaces, got 0",
    },
    {
      title: "name of spaces",
      body: `{"name":"   ","durationSeconds":1}`,
      message: "name: must be from 1 to 100 characters after trimming spaces, got 0",
    },
    {
      title: "name of 101 characters",
      body: JSON.stringify({ name: "a".repeat(101), durationSeconds: 1 }),
      message: "name: must be from 1 to 100 characters after trimming spaces, got 101",
    },
    {
      title: "name with a control character",
      body: `{"name":"a\\u0000b","durationSeconds":1}`,
      message: "name: must not contain control characters",
    },
    {
      title: "missing fields",
      body: "{}",
      message: "name: is missing; durationSeconds: is missing",
    },
    {
      title: "missing duration",
      body: `{"name":"x"}`,
      message: "durationSeconds: is missing",
    },
    {
      title: "body that is not an object",
      body: "[1, 2]",
      message: "body: must be a JSON object with name and durationSeconds",
    },
    {
      title: "truncated JSON",
      body: `{"name": "x", "durationSeconds": `,
      message: malformedJsonMessage(`{"name": "x", "durationSeconds": `),
    },
    {
      title: "JSON with a trailing comma",
      body: `{"name":"x",}`,
      message: malformedJsonMessage(`{"name":"x",}`),
    },
    {
      title: "JSON with an unquoted value",
      body: `{"name": report}`,
      message: malformedJsonMessage(`{"name": report}`),
    },
  ]

  for (const { title, body, message } of cases) {
    it(`${title} is a 400 naming the field`, async () => {
      const response = await post("/api/jobs", body)

      expect(response.status).toBe(400)
      expect(response.headers.get("content-type")).toContain("application/json")
      const error = (await response.json()) as ErrorJson
      expect(error._tag).toBe("HttpApiDecodeError")
      expect(error.message).toBe(message)
    })
  }

  it("malformed JSON keeps the decode error shape", async () => {
    const body = `{"name": report}`

    const response = await post("/api/jobs", body)

    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      _tag: "HttpApiDecodeError",
      issues: [],
      message: malformedJsonMessage(body),
    })
  })

  it("field errors also come as issues with a path", async () => {
    const response = await post("/api/jobs", `{"name":"","durationSeconds":31}`)
    const error = (await response.json()) as ErrorJson

    expect(error.issues?.map((issue) => issue.path)).toEqual([["name"], ["durationSeconds"]])
  })
})

describe("job events", () => {
  interface EnvelopeJson {
    readonly event_type: string
    readonly job_id: string
    readonly timestamp: string
    readonly payload: Record<string, unknown>
    readonly event_id: string
    readonly job_version: number
    readonly producer: string
  }

  it("events of a cancelled job are JobCreated then JobCancelled", async () => {
    const job = await createJob("with history", 10)
    expect((await post(`/api/jobs/${job.id}/cancel`)).status).toBe(200)

    const response = await get(`/api/jobs/${job.id}/events`)

    expect(response.status).toBe(200)
    const { items } = (await response.json()) as { readonly items: ReadonlyArray<EnvelopeJson> }
    expect(items.map((event) => [event.event_type, event.job_version, event.producer])).toEqual([
      ["JobCreated", 1, "api"],
      ["JobCancelled", 2, "api"],
    ])
    for (const event of items) {
      expect(event.job_id).toBe(job.id)
      expect(event.event_id).toMatch(UUID)
      expect(event.timestamp).toMatch(ISO_UTC)
    }
    expect(items[0]?.payload).toMatchObject({ name: "with history", durationSeconds: 10 })
  })

  it("events of an unknown job is a 404", async () => {
    const id = crypto.randomUUID()

    const response = await get(`/api/jobs/${id}/events`)

    expect(response.status).toBe(404)
    expect(((await response.json()) as ErrorJson)._tag).toBe("JobNotFound")
  })

  it("events of an id that is not a UUID is a 400", async () => {
    const response = await get("/api/jobs/not-a-uuid/events")
    const body = (await response.json()) as ErrorJson

    expect(response.status).toBe(400)
    expect(body.message).toBe(`${UUID_MESSAGE}, got "not-a-uuid"`)
  })
})

describe("request bodies", () => {
  const KIB = 1024

  it("body over 16 KiB is a 413 naming the limit", async () => {
    const body = JSON.stringify({ name: "x".repeat(17 * KIB), durationSeconds: 1 })

    const response = await post("/api/jobs", body)

    expect(response.status).toBe(413)
    const error = (await response.json()) as ErrorJson
    expect(error._tag).toBe("PayloadTooLarge")
    expect(error.message).toBe(
      `request body is ${body.length} bytes, larger than 16384 bytes (16 KiB), the maximum`,
    )
  })

  /** POSTs a JSON body as a stream, which fetch sends chunked, without Content-Length. */
  const postChunked = (chunks: ReadonlyArray<string>) => {
    const encoder = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
        controller.close()
      },
    })
    const init: RequestInit & { readonly duplex: "half" } = {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    }
    return fetch(`${server.baseUrl}/api/jobs`, init)
  }

  it("chunked body under 16 KiB is accepted", async () => {
    const response = await postChunked([`{"name":"chunked",`, `"durationSeconds":1}`])

    expect(response.status).toBe(201)
  })

  /** POSTs `body` over node:http in chunks of 1 KiB, with no Content-Length, and reads the reply. */
  const postChunkedOverSocket = (body: string) =>
    new Promise<{ readonly status: number | undefined; readonly text: string }>(
      (resolve, reject) => {
        const request = http.request(`${server.baseUrl}/api/jobs`, {
          method: "POST",
          headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        })
        request.on("response", (response) => {
          let text = ""
          response.setEncoding("utf8")
          response.on("data", (chunk: string) => {
            text += chunk
          })
          response.on("end", () => resolve({ status: response.statusCode, text }))
          response.on("error", reject)
        })
        request.on("error", reject)
        for (let offset = 0; offset < body.length; offset += KIB) {
          request.write(body.slice(offset, offset + KIB))
        }
        request.end()
      },
    )

  it("chunked body over 16 KiB is a 413 over a real socket", async () => {
    const body = JSON.stringify({ name: "x".repeat(20_000), durationSeconds: 1 })

    const reply = await postChunkedOverSocket(body)

    expect(reply.status).toBe(413)
    expect(JSON.parse(reply.text)).toEqual({
      _tag: "PayloadTooLarge",
      message: "request body is larger than 16384 bytes (16 KiB), the maximum",
      maxBytes: 16384,
    })
    expect((await get("/api/health")).status).toBe(200)
  })

  it("chunked body on a GET is ignored", async () => {
    const reply = await new Promise<number | undefined>((resolve, reject) => {
      const request = http.request(`${server.baseUrl}/api/jobs?limit=1`, {
        method: "GET",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      })
      request.on("response", (response) => {
        response.resume()
        response.on("end", () => resolve(response.statusCode))
      })
      request.on("error", reject)
      request.end("{}")
    })

    expect(reply).toBe(200)
  })

  it("chunked body of 1 MiB is a 413 over a real socket", async () => {
    const body = JSON.stringify({ name: "x".repeat(1024 * KIB), durationSeconds: 1 })

    const reply = await postChunkedOverSocket(body)

    expect(reply.status).toBe(413)
    expect((JSON.parse(reply.text) as ErrorJson)._tag).toBe("PayloadTooLarge")
  })

  it("chunked body over 16 KiB is a 413 for fetch", async () => {
    const response = await postChunked([
      `{"name":"`,
      "x".repeat(17 * KIB),
      `","durationSeconds":1}`,
    ])

    expect(response.status).toBe(413)
    expect(((await response.json()) as ErrorJson)._tag).toBe("PayloadTooLarge")
  })

  it("chunked body of malformed JSON is a 400", async () => {
    const body = `{"name": report}`

    const response = await postChunked([body])

    expect(response.status).toBe(400)
    expect(((await response.json()) as ErrorJson).message).toBe(malformedJsonMessage(body))
  })

  it("body under 16 KiB with a long name is a 400", async () => {
    const body = JSON.stringify({ name: "x".repeat(15 * KIB), durationSeconds: 1 })

    const response = await post("/api/jobs", body)

    expect(response.status).toBe(400)
    expect(((await response.json()) as ErrorJson).message).toBe(
      `name: must be from 1 to 100 characters after trimming spaces, got ${15 * KIB}`,
    )
  })

  for (const contentType of ["application/x-www-form-urlencoded", "text/plain;charset=UTF-8"]) {
    it(`${contentType.split(";")[0]} body is a 415 asking for JSON`, async () => {
      const response = await post("/api/jobs", "name=report&durationSeconds=1", contentType)

      expect(response.status).toBe(415)
      expect(await response.json()).toEqual({
        _tag: "UnsupportedMediaType",
        message: `content type ${JSON.stringify(contentType)} is not supported: send the body as JSON with content-type: application/json`,
      })
    })
  }

  it("JSON with charset parameter is accepted", async () => {
    const response = await post(
      "/api/jobs",
      JSON.stringify({ name: "with charset", durationSeconds: 1 }),
      "Application/JSON; charset=utf-8",
    )

    expect(response.status).toBe(201)
  })

  it("JSON body without content type is accepted", async () => {
    // fetch adds text/plain to a string body, so the body is sent as bytes.
    const response = await fetch(`${server.baseUrl}/api/jobs`, {
      method: "POST",
      body: new TextEncoder().encode(JSON.stringify({ name: "no type", durationSeconds: 1 })),
    })

    expect(response.status).toBe(201)
  })

  it("cancel without a body accepts any content type", async () => {
    const job = await createJob("cancel as form", 5)

    const response = await post(`/api/jobs/${job.id}/cancel`, undefined, "text/plain")

    expect(response.status).toBe(200)
  })

  it("unknown field in create is a 400 naming it", async () => {
    const response = await post("/api/jobs", `{"name":"ok","durationSeconds":1,"extra":true}`)

    expect(response.status).toBe(400)
    const error = (await response.json()) as ErrorJson
    expect(error.message).toContain("extra")
    expect(error.issues?.map((issue) => issue.path)).toEqual([["extra"]])
  })
})

describe("cancelling jobs", () => {
  it("cancel of a pending job returns it CANCELLED and publishes JobCancelled", async () => {
    const job = await createJob("to cancel", 10)

    const { response, events } = await Effect.runPromise(
      withTestBus((bus) =>
        Effect.gen(function* () {
          // Nothing else publishes on this channel while the test runs, so the
          // first event after the probes is the one the cancel produces.
          const consumer = yield* startConsumer(bus.events, 1)
          yield* awaitReceiving(bus.publisher, [consumer])
          const response = yield* Effect.promise(() => post(`/api/jobs/${job.id}/cancel`))
          const events = (yield* eventsOf(consumer)).filter(isJobEvent)
          return { response, events }
        }).pipe(Effect.scoped),
      ),
    )

    expect(response.status).toBe(200)
    const cancelled = (await response.json()) as JobJson
    expect(cancelled.status).toBe("CANCELLED")
    expect(cancelled.version).toBe(2)
    expect(cancelled.finishedAt).toMatch(ISO_UTC)
    expect(events.map((event) => [event._tag, event.jobId])).toEqual([["JobCancelled", job.id]])
    expect(events[0]?.producer).toBe("api")
    expect(events[0]?.jobVersion).toBe(2)
  })

  it("cancel of a completed job is a 409", async () => {
    const job = await createCompletedJob("finishes at once")

    const response = await post(`/api/jobs/${job.id}/cancel`)

    expect(response.status).toBe(409)
    expect(await response.json()).toEqual({
      _tag: "InvalidJobTransition",
      jobId: job.id,
      currentStatus: "COMPLETED",
      requestedStatus: "CANCELLED",
      message: `job ${job.id} is COMPLETED and cannot become CANCELLED`,
    })
  })

  it("cancel of an unknown job is a 404", async () => {
    const response = await post(`/api/jobs/${crypto.randomUUID()}/cancel`)

    expect(response.status).toBe(404)
  })
})

describe("re-running jobs", () => {
  interface EnvelopeJson {
    readonly event_type: string
    readonly job_id: string
    readonly payload: Record<string, unknown>
  }

  it("rerun of a completed job returns 201 with a new linked job", async () => {
    const original = await createCompletedJob("nightly report")

    const { response, events } = await Effect.runPromise(
      withTestBus((bus) =>
        Effect.gen(function* () {
          // Nothing else publishes on this channel while the test runs, so the
          // first event after the probes is the one the re-run produces.
          const consumer = yield* startConsumer(bus.events, 1)
          yield* awaitReceiving(bus.publisher, [consumer])
          const response = yield* Effect.promise(() => post(`/api/jobs/${original.id}/rerun`))
          const events = (yield* eventsOf(consumer)).filter(isJobEvent)
          return { response, events }
        }).pipe(Effect.scoped),
      ),
    )

    expect(response.status).toBe(201)
    const rerun = (await response.json()) as JobJson
    expect(rerun.id).toMatch(UUID)
    expect(rerun.id).not.toBe(original.id)
    expect(rerun.name).toBe("nightly report")
    expect(rerun.durationSeconds).toBe(0)
    expect(rerun.status).toBe("PENDING")
    expect(rerun.version).toBe(1)
    expect(rerun.rerunOf).toBe(original.id)

    const [event] = events
    expect(events).toHaveLength(1)
    expect(event?._tag).toBe("JobCreated")
    expect(event?.jobId).toBe(rerun.id)
    expect(event?._tag === "JobCreated" ? event.rerunOf : undefined).toBe(original.id)

    const log = (await (await get(`/api/jobs/${rerun.id}/events`)).json()) as {
      readonly items: ReadonlyArray<EnvelopeJson>
    }
    expect(log.items.map((item) => item.event_type)).toEqual(["JobCreated"])
    expect(log.items[0]?.payload).toMatchObject({
      name: "nightly report",
      durationSeconds: 0,
      rerunOf: original.id,
    })

    const unchanged = (await (await get(`/api/jobs/${original.id}`)).json()) as JobJson
    expect(unchanged.status).toBe("COMPLETED")
    expect(unchanged.rerunOf).toBeNull()
  })

  it("rerun of a cancelled job returns 201", async () => {
    const original = await createJob("cancelled before it ran", 7)
    expect((await post(`/api/jobs/${original.id}/cancel`)).status).toBe(200)

    const response = await post(`/api/jobs/${original.id}/rerun`)

    expect(response.status).toBe(201)
    const rerun = (await response.json()) as JobJson
    expect(rerun.durationSeconds).toBe(7)
    expect(rerun.rerunOf).toBe(original.id)
  })

  for (const status of ["PENDING", "RUNNING"] as const) {
    it(`rerun of a ${status} job is a 409 with a message`, async () => {
      const job =
        status === "PENDING"
          ? await createJob("still waiting", 5)
          : await createRunningJob("still running")

      const response = await post(`/api/jobs/${job.id}/rerun`)

      expect(response.status).toBe(409)
      expect(await response.json()).toEqual({
        _tag: "JobNotFinished",
        jobId: job.id,
        currentStatus: status,
        message: `job ${job.id} is ${status} and cannot be re-run until it is COMPLETED, CANCELLED or FAILED`,
      })
    })
  }

  it("rerun of an unknown job is a 404", async () => {
    const id = crypto.randomUUID()

    const response = await post(`/api/jobs/${id}/rerun`)

    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      _tag: "JobNotFound",
      jobId: id,
      message: `job ${id} not found`,
    })
  })

  it("rerun of an id that is not a UUID is a 400", async () => {
    const response = await post("/api/jobs/not-a-uuid/rerun")
    const body = (await response.json()) as ErrorJson

    expect(response.status).toBe(400)
    expect(body.message).toBe(`${UUID_MESSAGE}, got "not-a-uuid"`)
  })

  it("cancel of an id that is not a UUID is a 400", async () => {
    const response = await post("/api/jobs/nope/cancel")
    const body = (await response.json()) as ErrorJson

    expect(response.status).toBe(400)
    expect(body.message).toBe(`${UUID_MESSAGE}, got "nope"`)
  })
})

describe("health", () => {
  it("health is 200 when PostgreSQL and Redis answer", async () => {
    const response = await get("/api/health")

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ postgres: "up", redis: "up" })
  })
})

describe("with Redis down", () => {
  let degraded: TestServer

  beforeAll(async () => {
    const port = await closedPort()
    degraded = await startTestServer(
      ServerLive.layer(testServerOptions(database, channel, `redis://127.0.0.1:${port}`)),
    )
  })

  afterAll(async () => {
    await degraded?.stop()
  })

  it("health is 503 naming Redis", async () => {
    const health = await get("/api/health", degraded.baseUrl)

    expect(health.status).toBe(503)
    expect(await health.json()).toEqual({
      _tag: "Unhealthy",
      message: "redis not reachable",
      postgres: "up",
      redis: "down",
    })
  })

  it("create still returns 201", async () => {
    const created = await fetch(`${degraded.baseUrl}/api/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "while redis is down", durationSeconds: 1 }),
    })

    expect(created.status).toBe(201)
  })
})

describe("abandoned jobs", () => {
  it("API fails a running job whose worker went silent", async () => {
    const job = await createRunningJob("orphaned")
    // As if its worker, the only one, had died 30 s ago without a heartbeat since.
    await Effect.runPromise(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql`UPDATE jobs SET started_at = now() - interval '30 seconds' WHERE id = ${job.id}`,
      ).pipe(Effect.provide(Postgres.layer({ url: database.redactedUrl })), Effect.scoped),
    )

    const deadline = Date.now() + 5_000
    let status = job.status
    while (status !== "FAILED" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      status = ((await (await get(`/api/jobs/${job.id}`)).json()) as JobJson).status
    }

    expect(status).toBe("FAILED")
    const log = (await (await get(`/api/jobs/${job.id}/events`)).json()) as {
      readonly items: ReadonlyArray<{ readonly event_type: string; readonly producer: string }>
    }
    expect(log.items.at(-1)).toMatchObject({ event_type: "JobFailed", producer: "api" })
  })
})

describe("documentation, routing and CORS", () => {
  it("openapi.json lists every API path", async () => {
    const response = await get("/openapi.json")
    const spec = (await response.json()) as { readonly paths: Record<string, unknown> }

    expect(response.status).toBe(200)
    expect(Object.keys(spec.paths).sort()).toEqual([
      "/api/health",
      "/api/jobs",
      "/api/jobs/counts",
      "/api/jobs/{id}",
      "/api/jobs/{id}/cancel",
      "/api/jobs/{id}/events",
      "/api/jobs/{id}/rerun",
      "/api/workers",
    ])
  })

  it("docs serves the Swagger UI page", async () => {
    const response = await get("/docs")
    const html = await response.text()

    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/html")
    expect(html).toContain("swagger-ui")
    expect(html).not.toMatch(/<script[^>]+src="https?:/)
  })

  it("unknown long route is cut short in the 404", async () => {
    const path = `/api/jobs/${"a".repeat(5000)}`

    const response = await get(path)

    expect(response.status).toBe(404)
    expect(((await response.json()) as ErrorJson).message).toBe(
      `GET ${path.slice(0, 200)}... (${path.length} characters) does not exist. The API is under /api and documented at /docs.`,
    )
  })

  it("unknown route is a 404 with a JSON message", async () => {
    const response = await get("/api/nothing-here")

    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      _tag: "NotFound",
      message:
        "GET /api/nothing-here does not exist. The API is under /api and documented at /docs.",
    })
  })

  it("CORS allows the configured origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.baseUrl}/api/jobs`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      })

    const allowed = await preflight(ALLOWED_ORIGIN)
    const other = await preflight("http://evil.example")

    expect(allowed.status).toBe(204)
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN)
    expect(other.headers.get("access-control-allow-origin")).not.toBe("http://evil.example")
  })
})
