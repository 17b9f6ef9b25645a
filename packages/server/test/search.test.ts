/**
 * Search (`q`) and status counts of the job list over HTTP, on a real server with
 * PostgreSQL in a throwaway database.
 */
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createTestDatabase,
  dropTestDatabase,
  type TestDatabase,
} from "../../adapters/test/support/TestDatabase"
import { uniqueChannel } from "../../adapters/test/support/TestRedis"
import * as ServerLive from "../src/ServerLive"
import { startTestServer, type TestServer, testServerOptions } from "./support/TestServer"

interface JobJson {
  readonly id: string
  readonly name: string
  readonly status: string
}

interface PageJson {
  readonly items: ReadonlyArray<JobJson>
  readonly nextCursor: string | null
}

interface CountsJson {
  readonly PENDING: number
  readonly RUNNING: number
  readonly COMPLETED: number
  readonly CANCELLED: number
  readonly FAILED: number
  readonly total: number
}

interface ErrorJson {
  readonly _tag: string
  readonly message: string
}

let database: TestDatabase
let server: TestServer

beforeAll(async () => {
  database = await createTestDatabase()
  server = await startTestServer(ServerLive.layer(testServerOptions(database, uniqueChannel())))
})

afterAll(async () => {
  await server?.stop()
  if (database !== undefined) {
    await dropTestDatabase(database)
  }
})

const get = (path: string) => fetch(`${server.baseUrl}${path}`)

const getJson = async <A>(path: string): Promise<A> => {
  const response = await get(path)
  expect(response.status, path).toBe(200)
  return (await response.json()) as A
}

const createJob = async (name: string): Promise<JobJson> => {
  const response = await fetch(`${server.baseUrl}/api/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, durationSeconds: 30 }),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as JobJson
}

const cancel = async (job: JobJson): Promise<void> => {
  const response = await fetch(`${server.baseUrl}/api/jobs/${job.id}/cancel`, { method: "POST" })
  expect(response.status).toBe(200)
}

/** A word that no other test's job names contain, so a search returns only this test's jobs. */
const uniqueWord = (): string => `w${randomUUID().slice(0, 8)}`

const listIds = async (query: string): Promise<ReadonlyArray<string>> =>
  (await getJson<PageJson>(`/api/jobs?${query}`)).items.map((job) => job.id)

describe("searching the job list", () => {
  it("q matches part of a name, ignoring case", async () => {
    const word = uniqueWord()
    const first = await createJob(`Nightly ${word.toUpperCase()} report`)
    const second = await createJob(`${word} export`)
    await createJob("unrelated")

    expect(await listIds(`q=${word}`)).toEqual([second.id, first.id])
    expect(await listIds(`q=${encodeURIComponent(` ${word.toUpperCase()} REP `)}`)).toEqual([
      first.id,
    ])
  })

  it("q with a job id returns that job", async () => {
    const job = await createJob(uniqueWord())

    expect(await listIds(`q=${job.id}`)).toEqual([job.id])
    expect(await listIds(`q=${job.id.toUpperCase()}`)).toEqual([job.id])
  })

  it("q matches % _ and backslash literally", async () => {
    const word = uniqueWord()
    const percent = await createJob(`${word} 100%`)
    await createJob(`${word} 1000`)
    const underscore = await createJob(`${word} a_b`)
    await createJob(`${word} axb`)
    const backslash = await createJob(`${word} c\\d`)

    expect(await listIds(`q=${encodeURIComponent("0%")}`)).toEqual([percent.id])
    expect(await listIds(`q=${encodeURIComponent("a_b")}`)).toEqual([underscore.id])
    expect(await listIds(`q=${encodeURIComponent("c\\d")}`)).toEqual([backslash.id])
  })

  it("q combines with status and pages with nextCursor", async () => {
    const word = uniqueWord()
    const jobs = []
    for (let i = 0; i < 5; i++) {
      jobs.push(await createJob(`${word} ${i}`))
    }
    const [oldest, , middle] = jobs
    if (oldest === undefined || middle === undefined) {
      throw new Error("expected five jobs")
    }
    await cancel(oldest)
    await cancel(middle)
    await createJob("pending without the word")

    const seen: Array<string> = []
    let cursor: string | null = null
    do {
      const next: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`
      const page: PageJson = await getJson(`/api/jobs?status=PENDING&q=${word}&limit=1${next}`)
      expect(page.items.length).toBeLessThanOrEqual(1)
      seen.push(...page.items.map((job) => job.id))
      // A job created between two pages is newer than the cursor, so it is not listed.
      await createJob(`${word} created while paging`)
      cursor = page.nextCursor
    } while (cursor !== null)

    expect(seen).toEqual([jobs[4]?.id, jobs[3]?.id, jobs[1]?.id])
  })

  it("empty q or q of spaces lists every job", async () => {
    await createJob(uniqueWord())
    const unfiltered = await listIds("limit=100")

    expect(await listIds("limit=100&q=")).toEqual(unfiltered)
    expect(await listIds("limit=100&q=%20%20")).toEqual(unfiltered)
  })

  it("q of 200 characters is accepted, counted in code points", async () => {
    const emoji = "\u{1F600}".repeat(200)

    expect(await listIds(`q=${encodeURIComponent(emoji)}`)).toEqual([])
  })
})

describe("invalid q", () => {
  const cases: ReadonlyArray<{
    readonly title: string
    readonly q: string
    readonly message: string
  }> = [
    {
      title: "q of 201 characters",
      q: "a".repeat(201),
      message: "q: must be at most 200 characters, got 201",
    },
    {
      title: "q of 201 emoji",
      q: "\u{1F600}".repeat(201),
      message: "q: must be at most 200 characters, got 201",
    },
    {
      title: "q with a control character",
      q: "a\u0000b",
      message: "q: must not contain control characters",
    },
  ]

  for (const path of ["/api/jobs", "/api/jobs/counts"]) {
    for (const { title, q, message } of cases) {
      it(`${title} is a 400 from ${path}`, async () => {
        const response = await get(`${path}?q=${encodeURIComponent(q)}`)

        expect(response.status).toBe(400)
        const error = (await response.json()) as ErrorJson
        expect(error._tag).toBe("HttpApiDecodeError")
        expect(error.message).toBe(message)
      })
    }
  }

  it("q given twice is a 400", async () => {
    const response = await get("/api/jobs?q=a&q=b")

    expect(response.status).toBe(400)
    const error = (await response.json()) as ErrorJson
    expect(error.message).toBe("q: must be given once, as text of at most 200 characters")
  })
})

describe("job counts", () => {
  it("counts return every status and the total", async () => {
    const before = await getJson<CountsJson>("/api/jobs/counts")
    const job = await createJob(uniqueWord())
    await createJob(uniqueWord())
    await cancel(job)

    const after = await getJson<CountsJson>("/api/jobs/counts")

    expect(Object.keys(after).sort()).toEqual(
      ["CANCELLED", "COMPLETED", "FAILED", "PENDING", "RUNNING", "total"].sort(),
    )
    expect(after.PENDING - before.PENDING).toBe(1)
    expect(after.CANCELLED - before.CANCELLED).toBe(1)
    expect(after.RUNNING).toBe(before.RUNNING)
    expect(after.COMPLETED).toBe(before.COMPLETED)
    expect(after.FAILED).toBe(before.FAILED)
    expect(after.total - before.total).toBe(2)
    expect(after.total).toBe(
      after.PENDING + after.RUNNING + after.COMPLETED + after.CANCELLED + after.FAILED,
    )
  })

  it("counts with q count only matching jobs", async () => {
    const word = uniqueWord()
    const job = await createJob(`${word} one`)
    await createJob(`${word.toUpperCase()} two`)
    await createJob(`${word} three`)
    await cancel(job)

    expect(await getJson<CountsJson>(`/api/jobs/counts?q=${word}`)).toEqual({
      PENDING: 2,
      RUNNING: 0,
      COMPLETED: 0,
      CANCELLED: 1,
      FAILED: 0,
      total: 3,
    })
    expect(await getJson<CountsJson>(`/api/jobs/counts?q=${job.id}`)).toEqual({
      PENDING: 0,
      RUNNING: 0,
      COMPLETED: 0,
      CANCELLED: 1,
      FAILED: 0,
      total: 1,
    })
  })

  it("counts of a q without matches are all 0", async () => {
    expect(await getJson<CountsJson>(`/api/jobs/counts?q=${uniqueWord()}`)).toEqual({
      PENDING: 0,
      RUNNING: 0,
      COMPLETED: 0,
      CANCELLED: 0,
      FAILED: 0,
      total: 0,
    })
  })
})
