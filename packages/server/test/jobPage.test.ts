/**
 * The list handler writes its JSON body without Schema (see encodeJobPage). These tests
 * pin that body to what encoding JobPageResponse with Schema gives, byte for byte.
 */
import { describe, expect, it } from "@effect/vitest"
import { Job, type JobPage, JobPageResponse } from "@jobs/domain"
import { Cause, Effect, Exit, Schema } from "effect"
import { encodeJobPage, jobToJson } from "../src/http/JobsHandlers"

const decodeJob = Schema.decodeUnknownSync(Job.Job)

const pending = decodeJob({
  id: "3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a",
  name: "report",
  durationSeconds: 0,
  status: "PENDING",
  createdAt: "2026-01-01T00:00:00.000Z",
  startedAt: null,
  finishedAt: null,
  workerId: null,
  rerunOf: null,
  version: 1,
})

const running = decodeJob({
  id: "0b0e7a6c-7e8f-4d35-9c2a-1e0f8f0a2c11",
  name: 'name with "quotes", a backslash \\ and </script>',
  durationSeconds: 30,
  status: "RUNNING",
  createdAt: "2026-03-04T05:06:07.089Z",
  startedAt: "2026-03-04T05:06:08.001Z",
  finishedAt: null,
  workerId: "worker-7f3a",
  rerunOf: null,
  version: 2,
})

const rerunCompleted = decodeJob({
  id: "9d7c7a1e-2b3c-4d5e-8f90-a1b2c3d4e5f6",
  name: "Überweisung 😀 日本語",
  durationSeconds: 12,
  status: "COMPLETED",
  createdAt: "1999-12-31T23:59:59.999Z",
  startedAt: "2000-01-01T00:00:00.000Z",
  finishedAt: "2000-01-01T00:00:12.500Z",
  workerId: "worker-1",
  rerunOf: "3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a",
  version: 3,
})

const cancelledWithoutStart = decodeJob({
  ...Schema.encodeSync(Job.Job)(pending),
  id: "6a1f0e2d-3c4b-4a59-8e7d-6c5b4a3f2e1d",
  status: "CANCELLED",
  finishedAt: "2026-01-01T00:00:01.000Z",
  version: 2,
})

const jobs = [pending, running, rerunCompleted, cancelledWithoutStart]

/** The body HttpApi would send for the page if the handler returned it as a value. */
const schemaBody = (page: JobPage) =>
  JSON.stringify(Schema.encodeSync(JobPageResponse)({ items: page.items, nextCursor: page.next }))

const fastBody = (page: JobPage) => Effect.map(encodeJobPage(page), (body) => JSON.stringify(body))

describe("list response body", () => {
  it.each(jobs.map((job) => [job.status, job] as const))(
    "jobToJson matches Schema for a %s job",
    (_status, job) => {
      expect(JSON.stringify(jobToJson(job))).toBe(JSON.stringify(Schema.encodeSync(Job.Job)(job)))
    },
  )

  it.effect("page with a next cursor matches Schema", () =>
    Effect.gen(function* () {
      const page: JobPage = {
        items: jobs,
        next: { createdAt: rerunCompleted.createdAt, id: rerunCompleted.id },
      }

      const body = yield* fastBody(page)

      expect(body).toBe(schemaBody(page))
    }),
  )

  it.effect("last page without a cursor matches Schema", () =>
    Effect.gen(function* () {
      const page: JobPage = { items: [running], next: null }

      const body = yield* fastBody(page)

      expect(body).toBe(schemaBody(page))
      expect(JSON.parse(body).nextCursor).toBeNull()
    }),
  )

  it.effect("empty page matches Schema", () =>
    Effect.gen(function* () {
      const page: JobPage = { items: [], next: null }

      const body = yield* fastBody(page)

      expect(body).toBe('{"items":[],"nextCursor":null}')
      expect(body).toBe(schemaBody(page))
    }),
  )

  it.effect("invalid cursor date is a defect", () =>
    Effect.gen(function* () {
      const page: JobPage = {
        items: [pending],
        next: { createdAt: new Date(Number.NaN), id: pending.id },
      }

      const exit = yield* Effect.exit(encodeJobPage(page))

      if (Exit.isSuccess(exit)) {
        return expect.fail("an invalid cursor date was encoded")
      }
      expect(Cause.isDie(exit.cause)).toBe(true)
    }),
  )
})
