/**
 * EventPublisher and EventSubscriber on Redis Pub/Sub.
 *
 * The process opens exactly two connections, whatever the number of consumers: one to
 * PUBLISH, and one SUBSCRIBEd to the channel (a subscribed connection can run no other
 * command). Messages from the subscriber are decoded one by one and fanned out in memory
 * through an Effect PubSub, so each `events` stream (one per SSE client, say) costs no
 * Redis connection.
 *
 * The layer builds even when Redis is down: publishing and the health check then fail, and
 * ioredis keeps reconnecting and subscribes once Redis is back.
 */
import {
  decodeEventJson,
  EventPublishError,
  EventPublisher,
  EventSubscriber,
  encodeEventJson,
  type JobEvent,
} from "@jobs/domain"
import {
  Config,
  type ConfigError,
  Context,
  Duration,
  Effect,
  Either,
  Fiber,
  Layer,
  Option,
  ParseResult,
  PubSub,
  Queue,
  Redacted,
  Stream,
} from "effect"
import type { Redis } from "ioredis"
import * as RedisConnection from "./RedisConnection"
import * as RedisHealth from "./RedisHealth"

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
export const DEFAULT_CHANNEL = "job_events"

/** How long a PUBLISH may take before it fails, so a stalled Redis never holds up a request. */
export const PUBLISH_TIMEOUT = Duration.seconds(2)

/** How long building the layer waits for Redis to acknowledge SUBSCRIBE. */
export const SUBSCRIBE_TIMEOUT = Duration.seconds(5)

/**
 * Events kept for consumers that read slower than events arrive. When the buffer is full,
 * the oldest unread event is dropped (sliding PubSub), so only slow consumers miss events,
 * and neither the other consumers nor memory suffer. Delivery is at most once anyway.
 */
export const CONSUMER_BUFFER = 1024

export interface Options {
  readonly url: Redacted.Redacted<string> | string
  readonly channel: string
}

const MESSAGE_PREVIEW_LENGTH = 200

/** Formats the first problem a decode found, such as `event_type: Expected "JobCreated" | ..., actual "X"`. */
const firstIssue = (error: ParseResult.ParseError): string => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  return issue === undefined
    ? error.message
    : `${issue.path.join(".") || "message"}: ${issue.message}`
}

/** Decodes one message and hands it to every consumer; one that fails to decode is logged and skipped. */
const deliver =
  (channel: string, pubsub: PubSub.PubSub<JobEvent>) =>
  (message: string): Effect.Effect<void> =>
    Either.match(decodeEventJson(message), {
      onRight: (event) => PubSub.publish(pubsub, event),
      onLeft: (error) =>
        Effect.logWarning("invalid event message skipped").pipe(
          Effect.annotateLogs({
            channel,
            rawMessage: message.slice(0, MESSAGE_PREVIEW_LENGTH),
            error: firstIssue(error).slice(0, MESSAGE_PREVIEW_LENGTH),
          }),
        ),
    })

/**
 * Starts receiving: messages go through an unbounded inbox queue, in arrival order, to a
 * fiber that decodes them and publishes them to `pubsub`. Then sends SUBSCRIBE and, when
 * the subscriber is connected, waits until Redis acknowledges it.
 */
const receive = (
  subscriber: Redis,
  connected: boolean,
  channel: string,
  pubsub: PubSub.PubSub<JobEvent>,
) =>
  Effect.gen(function* () {
    const inbox = yield* Effect.acquireRelease(Queue.unbounded<string>(), Queue.shutdown)
    const onMessage = (from: string, message: string) => {
      if (from === channel) {
        inbox.unsafeOffer(message)
      }
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => subscriber.on("message", onMessage)),
      () => Effect.sync(() => subscriber.off("message", onMessage)),
    )

    yield* Stream.fromQueue(inbox).pipe(
      Stream.runForEach(deliver(channel, pubsub)),
      Effect.forkScoped,
    )

    // The subscriber has no limit on retries, so while Redis is down this SUBSCRIBE waits
    // in ioredis's offline queue and goes out on the first successful connection.
    const subscription = yield* Effect.tryPromise(() => subscriber.subscribe(channel)).pipe(
      Effect.tap(() => Effect.logInfo("redis subscribed")),
      Effect.tapError((cause) =>
        Effect.logWarning("redis subscribe failed").pipe(
          Effect.annotateLogs({ error: RedisConnection.errorMessage(cause.error) }),
        ),
      ),
      Effect.annotateLogs({ channel }),
      Effect.forkScoped,
    )

    // Readiness signal: when Redis is reachable, the layer finishes building only after
    // SUBSCRIBE is acknowledged, so an event published after that reaches every `events`
    // stream already running. When Redis is down, building does not wait.
    if (connected) {
      const outcome = yield* Fiber.await(subscription).pipe(Effect.timeoutOption(SUBSCRIBE_TIMEOUT))
      if (Option.isNone(outcome)) {
        yield* Effect.logWarning("redis subscribe not acknowledged in time, continuing").pipe(
          Effect.annotateLogs({ channel }),
        )
      }
    }
  })

const make = (options: Options) =>
  Effect.gen(function* () {
    const url = typeof options.url === "string" ? Redacted.make(options.url) : options.url
    const channel = options.channel

    // The publisher fails a command at once while disconnected (no offline queue), and
    // PUBLISH_TIMEOUT below bounds a command sent on a connection that then stalls. Together
    // they keep a request that publishes from waiting on a Redis that is down.
    const publisher = yield* RedisConnection.make({
      url,
      name: `jobs-publisher:${channel}`,
      redisOptions: { enableOfflineQueue: false },
    })
    const subscriber = yield* RedisConnection.make({
      url,
      name: `jobs-subscriber:${channel}`,
      redisOptions: { maxRetriesPerRequest: null },
    })

    const pubsub = yield* Effect.acquireRelease(
      PubSub.sliding<JobEvent>(CONSUMER_BUFFER),
      PubSub.shutdown,
    )
    yield* receive(subscriber.client, subscriber.connected, channel, pubsub)

    const publish = (event: JobEvent): Effect.Effect<void, EventPublishError> =>
      Effect.try({
        try: () => encodeEventJson(event),
        catch: (cause) =>
          new EventPublishError({ message: `event could not be encoded: ${String(cause)}` }),
      }).pipe(
        Effect.flatMap((json) =>
          Effect.tryPromise({
            try: () => publisher.client.publish(channel, json),
            catch: (cause) =>
              publisher.client.status === "ready"
                ? new EventPublishError({
                    message: `redis publish failed: ${RedisConnection.errorMessage(cause)}`,
                  })
                : new EventPublishError({
                    message: `redis unavailable: publisher connection is ${publisher.client.status}`,
                  }),
          }),
        ),
        Effect.timeoutFail({
          duration: PUBLISH_TIMEOUT,
          onTimeout: () =>
            new EventPublishError({
              message: `redis publish timed out after ${Duration.format(PUBLISH_TIMEOUT)}`,
            }),
        }),
        Effect.asVoid,
      )

    const events: Stream.Stream<JobEvent> = Stream.fromPubSub(pubsub)

    return Context.make(EventPublisher, { publish }).pipe(
      Context.add(EventSubscriber, { events }),
      Context.add(RedisHealth.RedisHealth, RedisHealth.make(publisher.client, subscriber.client)),
    )
  })

/**
 * Provides EventPublisher, EventSubscriber and RedisHealth over one publisher and one
 * subscriber connection. Builds even when Redis is down, and closes both connections when
 * released.
 */
export const layer = (
  options: Options,
): Layer.Layer<EventPublisher | EventSubscriber | RedisHealth.RedisHealth> =>
  Layer.scopedContext(make(options))

/** Like `layer`, with the URL from REDIS_URL and the channel from EVENTS_CHANNEL (or the defaults). */
export const layerConfig: Layer.Layer<
  EventPublisher | EventSubscriber | RedisHealth.RedisHealth,
  ConfigError.ConfigError
> = Layer.unwrapEffect(
  Config.all({
    url: Config.redacted("REDIS_URL").pipe(Config.withDefault(Redacted.make(DEFAULT_REDIS_URL))),
    channel: Config.string("EVENTS_CHANNEL").pipe(Config.withDefault(DEFAULT_CHANNEL)),
  }).pipe(Effect.map(layer)),
)
