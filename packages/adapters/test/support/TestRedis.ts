/**
 * Redis for tests: the shared server at 127.0.0.1:6379, one Pub/Sub channel per test
 * file, and a separate client for sending raw commands. Pub/Sub creates no keys, so there
 * is nothing to clean up.
 */
import { randomUUID } from "node:crypto"
import { Effect, type Scope } from "effect"
import { Redis } from "ioredis"

export const REDIS_URL = "redis://127.0.0.1:6379"

/** A channel name no other test file uses, such as `job_events_test_3f2b8c1e5d4a4e8b`. */
export const uniqueChannel = (prefix = "job_events_test"): string =>
  `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 16)}`

/**
 * A client of its own, outside any adapter, closed with the scope. For raw PUBLISH,
 * PUBSUB NUMSUB or CLIENT KILL.
 */
export const rawRedisClient: Effect.Effect<Redis, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => new Redis(REDIS_URL, { connectionName: "jobs-test-raw-client" })),
  (client) =>
    Effect.tryPromise(() => client.quit()).pipe(
      Effect.catchAll(() => Effect.sync(() => client.disconnect())),
    ),
)

/** Number of connections subscribed to `channel`, from PUBSUB NUMSUB. */
export const subscriberCount = (client: Redis, channel: string): Effect.Effect<number> =>
  Effect.promise(() => client.pubsub("NUMSUB", channel)).pipe(
    Effect.map((reply) => Number((reply as ReadonlyArray<unknown>)[1])),
  )

/** Closes the connection whose CLIENT name is `name`, as a network failure would. Returns how many were closed. */
export const killConnection = (client: Redis, name: string): Effect.Effect<number> =>
  Effect.gen(function* () {
    const list = (yield* Effect.promise(() => client.client("LIST"))) as string
    const ids = list
      .split("\n")
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id) => id !== undefined)
    yield* Effect.forEach(ids, (id) => Effect.promise(() => client.client("KILL", "ID", id)), {
      discard: true,
    })
    return ids.length
  })
