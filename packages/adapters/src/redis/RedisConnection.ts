/**
 * One ioredis connection as a scoped resource, with the listeners every connection needs.
 * ioredis emits `error` on each failed reconnection attempt, and an EventEmitter `error`
 * without a listener would crash the process. ioredis reconnects by itself (its default
 * retryStrategy waits 50 ms more on each attempt, up to 2 s). On a subscriber connection it
 * also subscribes again to the channels it had. The listeners here only log.
 */
import { Duration, Effect, Redacted, Runtime, type Scope } from "effect"
import { Redis, type RedisOptions } from "ioredis"

/** How long the first connection attempt may take before Redis counts as down. */
export const CONNECT_TIMEOUT = Duration.seconds(5)

/** While one error repeats (Redis stays down), it is logged again at most this often. */
export const REPEATED_ERROR_LOG_INTERVAL = Duration.minutes(1)

const QUIT_TIMEOUT = Duration.seconds(1)

export interface ConnectionOptions {
  readonly url: Redacted.Redacted<string>
  /** Shown in logs and set as the Redis CLIENT name, so `CLIENT LIST` shows which connection is which. */
  readonly name: string
  /** ioredis options for this role (publisher or subscriber). */
  readonly redisOptions: RedisOptions
}

/**
 * Attaches the logging listeners. The first occurrence of an error is logged at warning
 * level. While the same error repeats, it is logged at most once per
 * REPEATED_ERROR_LOG_INTERVAL with the number of repeats, so a Redis that stays down does
 * not flood the log. Connecting, losing the connection and reconnecting are logged once each.
 */
const logConnectionEvents = (client: Redis, name: string, runtime: Runtime.Runtime<never>) => {
  const runLog = (log: Effect.Effect<void>) =>
    Runtime.runFork(runtime)(log.pipe(Effect.annotateLogs({ connection: name })))

  let lastError: string | undefined
  let lastLoggedAt = 0
  let unloggedRepeats = 0
  let ready = false
  let everReady = false

  client.on("error", (error: Error) => {
    const now = Date.now()
    const repeated = error.message === lastError
    if (repeated && now - lastLoggedAt < Duration.toMillis(REPEATED_ERROR_LOG_INTERVAL)) {
      unloggedRepeats++
      return
    }
    runLog(
      Effect.logWarning(repeated ? "redis error still repeating" : "redis error").pipe(
        Effect.annotateLogs({ error: error.message, repeatsSinceLastLog: unloggedRepeats }),
      ),
    )
    lastError = error.message
    lastLoggedAt = now
    unloggedRepeats = 0
  })

  // ioredis emits `close` also after `quit` or `disconnect`; its status is then already "end".
  client.on("close", () => {
    if (ready && client.status !== "end") {
      runLog(Effect.logWarning("redis connection lost, reconnecting"))
    }
    ready = false
  })

  client.on("ready", () => {
    runLog(
      everReady
        ? Effect.logInfo("redis reconnected").pipe(
            Effect.annotateLogs({ errorsNotLogged: unloggedRepeats }),
          )
        : Effect.logInfo("redis connected"),
    )
    ready = true
    everReady = true
    lastError = undefined
    unloggedRepeats = 0
  })
}

// QUIT waits for the reply of Redis. A connection that is not ready is dropped instead,
// because a QUIT queued while disconnected could wait forever.
const close = (client: Redis): Effect.Effect<void> =>
  client.status === "ready"
    ? Effect.tryPromise(() => client.quit()).pipe(
        Effect.timeout(QUIT_TIMEOUT),
        Effect.catchAll(() => Effect.sync(() => client.disconnect())),
      )
    : Effect.sync(() => client.disconnect())

/**
 * Creates the client, makes the first connection attempt and closes the client when the
 * scope closes. Never fails: when Redis is down the client is returned anyway and keeps
 * reconnecting in the background. Returns whether the first attempt succeeded.
 */
export const make = (
  options: ConnectionOptions,
): Effect.Effect<{ readonly client: Redis; readonly connected: boolean }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()

    const client = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const created = new Redis(Redacted.value(options.url), {
          ...options.redisOptions,
          lazyConnect: true,
          connectTimeout: Duration.toMillis(CONNECT_TIMEOUT),
          connectionName: options.name,
        })
        logConnectionEvents(created, options.name, runtime)
        return created
      }),
      close,
    )

    const connected = yield* Effect.tryPromise(() => client.connect()).pipe(
      Effect.timeout(CONNECT_TIMEOUT),
      Effect.as(true),
      Effect.catchAll(() =>
        Effect.logWarning("redis unavailable at startup, retrying in the background").pipe(
          Effect.annotateLogs({ connection: options.name }),
          Effect.as(false),
        ),
      ),
    )

    return { client, connected }
  })

/** The message of a rejected ioredis promise. */
export const errorMessage = (cause: unknown): string =>
  cause instanceof Error ? cause.message : String(cause)
