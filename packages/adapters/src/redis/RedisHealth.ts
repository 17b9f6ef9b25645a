/**
 * Health check of the Redis connections, for the `/api/health` endpoint.
 */
import { EventPublishError } from "@jobs/domain"
import { Context, Duration, Effect } from "effect"
import type { Redis } from "ioredis"
import { errorMessage } from "./RedisConnection"

/** How long a ping may take before Redis counts as down. */
export const PING_TIMEOUT = Duration.seconds(2)

export interface RedisHealthShape {
  /**
   * Sends PING on the publisher connection and checks that the subscriber connection is
   * up. Fails with an EventPublishError when either is down or PING does not complete within
   * PING_TIMEOUT.
   */
  readonly ping: Effect.Effect<void, EventPublishError>
}

export class RedisHealth extends Context.Tag("@jobs/adapters/RedisHealth")<
  RedisHealth,
  RedisHealthShape
>() {}

const notReady = (role: string, client: Redis) =>
  new EventPublishError({ message: `redis unavailable: ${role} connection is ${client.status}` })

/** Builds the health check on the event bus's two connections. */
export const make = (publisher: Redis, subscriber: Redis): RedisHealthShape => ({
  ping: Effect.tryPromise({
    try: () => publisher.ping(),
    catch: (cause) =>
      publisher.status === "ready"
        ? new EventPublishError({ message: `redis ping failed: ${errorMessage(cause)}` })
        : notReady("publisher", publisher),
  }).pipe(
    Effect.timeoutFail({
      duration: PING_TIMEOUT,
      onTimeout: () =>
        new EventPublishError({
          message: `redis unavailable: PING timed out after ${Duration.format(PING_TIMEOUT)}`,
        }),
    }),
    Effect.zipRight(
      Effect.suspend(() =>
        subscriber.status === "ready"
          ? Effect.void
          : Effect.fail(notReady("subscriber", subscriber)),
      ),
    ),
  ),
})
