import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Scope } from "effect"
import { Batcher } from "../src/index"

/**
 * A batcher whose batches wait for `gate` before they return each request's double, and
 * a record of the batches it ran.
 */
const doubling = (options: { maxSize: number; key?: (request: number) => string }) =>
  Effect.gen(function* () {
    const batches: Array<ReadonlyArray<number>> = []
    const gate = yield* Deferred.make<void>()
    const submit = yield* Batcher.make<number, number, never>({
      ...options,
      run: (requests) =>
        Effect.sync(() => batches.push(requests)).pipe(
          Effect.zipRight(Deferred.await(gate)),
          Effect.as(requests.map((request) => Exit.succeed(request * 2))),
        ),
    })
    return { batches, gate, submit }
  })

describe("Batcher", () => {
  it.scoped("runs the first request alone and gathers the ones that arrive meanwhile", () =>
    Effect.gen(function* () {
      const { batches, gate, submit } = yield* doubling({ maxSize: 10 })
      const first = yield* Effect.fork(submit(1))
      yield* Effect.yieldNow()
      const later = yield* Effect.fork(
        Effect.all([submit(2), submit(3), submit(4)], { concurrency: "unbounded" }),
      )
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)

      expect(yield* Fiber.join(first)).toBe(2)
      expect(yield* Fiber.join(later)).toEqual([4, 6, 8])
      expect(batches).toEqual([[1], [2, 3, 4]])
    }),
  )

  it.scoped("puts requests with the same key, or beyond maxSize, into a later batch", () =>
    Effect.gen(function* () {
      const { batches, gate, submit } = yield* doubling({
        maxSize: 2,
        key: (request) => String(request % 10),
      })
      const first = yield* Effect.fork(submit(0))
      yield* Effect.yieldNow()
      const later = yield* Effect.fork(
        Effect.all([submit(1), submit(11), submit(2), submit(3)], { concurrency: "unbounded" }),
      )
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)

      yield* Fiber.join(first)
      expect(yield* Fiber.join(later)).toEqual([2, 22, 4, 6])
      expect(batches).toEqual([[0], [1, 2], [11, 3]])
    }),
  )

  it.scoped("gives every request of a batch that dies the same defect", () =>
    Effect.gen(function* () {
      const submit = yield* Batcher.make<number, number, never>({
        maxSize: 10,
        run: () => Effect.dieMessage("broken store"),
      })

      const outcomes = yield* Effect.all([submit(1), submit(2)].map(Effect.exit), {
        concurrency: "unbounded",
      })

      for (const outcome of outcomes) {
        if (Exit.isSuccess(outcome)) {
          return expect.fail("a request of a dead batch succeeded")
        }
        expect(Exit.isInterrupted(outcome)).toBe(false)
        expect(String(outcome.cause)).toContain("broken store")
      }
    }),
  )

  it.effect("interrupts the waiting requests when its scope closes", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const { submit } = yield* doubling({ maxSize: 10 }).pipe(Scope.extend(scope))
      const waiting = yield* Effect.fork(Effect.exit(submit(1)))
      yield* Effect.yieldNow()

      yield* Scope.close(scope, Exit.void)

      const outcome = yield* Fiber.join(waiting)
      expect(Exit.isInterrupted(outcome)).toBe(true)
    }),
  )
})

describe("Batcher.withFallbackToSingles", () => {
  // Returns the doubles, and fails any batch that contains a negative number.
  const runMany = (requests: ReadonlyArray<number>) =>
    requests.some((request) => request < 0)
      ? Effect.fail(`negative request in ${requests.join(",")}`)
      : Effect.succeed(requests.map((request) => request * 2))

  it.effect("answers the whole batch at once when it succeeds", () =>
    Effect.gen(function* () {
      const outcomes = yield* Batcher.withFallbackToSingles(runMany)([1, 2])
      expect(outcomes).toEqual([Exit.succeed(2), Exit.succeed(4)])
    }),
  )

  it.effect("failed batch runs requests singly", () =>
    Effect.gen(function* () {
      const outcomes = yield* Batcher.withFallbackToSingles(runMany)([1, -1, 3])
      expect(outcomes).toEqual([
        Exit.succeed(2),
        Exit.fail("negative request in -1"),
        Exit.succeed(6),
      ])
    }),
  )
})
