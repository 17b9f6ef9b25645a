/**
 * EventPublisher and EventSubscriber on Redis Pub/Sub.
 *
 * The process opens exactly two connections, whatever the number of consumers: one to
 * PUBLISH, and one SUBSCRIBEd to the channel (a subscribed connection can run no other
 * command). Messages from the subscriber are decoded one by one and fanned out in memory
 * to a queue per consumer, so each `events` stream (the API server's SSE fan-out, or the
 * worker's dispatch) costs no Redis connection.
 *
 * The layer builds even when Redis is down: publishing and the health check then fail, and
 * ioredis keeps reconnecting and subscribes once Redis is back. Messages published while
 * the channel has no subscription are lost, so every stream open during that time ends
 * when Redis acknowledges the new subscription, and its consumer reloads what it shows.
 */
import {
  type DomainEvent,
  decodeEventJson,
  EventPublishError,
  EventPublisher,
  EventSubscriber,
  encodeEventJson,
} from "@jobs/domain"
import {
  Config,
  type ConfigError,
  Context,
  Duration,
  Effect,
  Either,
  Fiber,
  FiberSet,
  Layer,
  Option,
  ParseResult,
  Queue,
  Redacted,
  type Scope,
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
 * Unread events kept for each consumer. A consumer that falls this far behind has missed
 * nothing yet, but its stream ends instead of taking the next event, as after a lost
 * subscription, so a slow consumer costs bounded memory and learns that it must reload.
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

/** The item after a consumer's last event: its stream ends there. */
const STREAM_END = Symbol("STREAM_END")

type ConsumerItem = DomainEvent | typeof STREAM_END
type ConsumerQueue = Queue.Queue<ConsumerItem>

const isEvent = (item: ConsumerItem): item is DomainEvent => item !== STREAM_END

/**
 * The open `events` streams of the process, each with a queue of its own. Every method
 * runs synchronously, so a delivery and a registration never interleave.
 */
class Consumers {
  private readonly queues = new Set<ConsumerQueue>()
  private closed = false

  /** Adds a consumer for the current scope. After `closeAll` it interrupts instead. */
  readonly register: Effect.Effect<ConsumerQueue, never, Scope.Scope> = Effect.acquireRelease(
    Effect.suspend(() => (this.closed ? Effect.interrupt : Queue.unbounded<ConsumerItem>())).pipe(
      Effect.tap((queue) => Effect.sync(() => this.queues.add(queue))),
    ),
    (queue) =>
      Effect.sync(() => this.queues.delete(queue)).pipe(Effect.zipRight(Queue.shutdown(queue))),
  )

  /** Returns the consumers open now. */
  snapshot(): ReadonlyArray<ConsumerQueue> {
    return [...this.queues]
  }

  /**
   * Offers the event to every consumer. A consumer with CONSUMER_BUFFER unread events gets
   * its end instead. Returns how many consumers were ended.
   */
  offer(event: DomainEvent): number {
    let ended = 0
    for (const queue of this.queues) {
      const unread = Option.getOrElse(queue.unsafeSize(), () => 0)
      if (unread >= CONSUMER_BUFFER) {
        this.end(queue)
        ended++
      } else {
        queue.unsafeOffer(event)
      }
    }
    return ended
  }

  /** Ends the consumer's stream after the events it has not read yet; false when it has already ended. */
  end(queue: ConsumerQueue): boolean {
    if (!this.queues.delete(queue)) {
      return false
    }
    queue.unsafeOffer(STREAM_END)
    return true
  }

  /** Ends every stream at once and interrupts later registrations, when the layer is released. */
  readonly closeAll: Effect.Effect<void> = Effect.suspend(() => {
    this.closed = true
    const queues = this.snapshot()
    this.queues.clear()
    return Effect.forEach(queues, Queue.shutdown, { discard: true })
  })
}

/**
 * An item for the delivery fiber, in arrival order. It is either a message from the
 * channel, or the news that the channel is subscribed again after a time without a
 * subscription, with the consumers that were open during that time.
 */
type InboxItem =
  | { readonly _tag: "Message"; readonly message: string }
  | { readonly _tag: "Resubscribed"; readonly missedBy: ReadonlyArray<ConsumerQueue> }

/** Decodes one message and hands it to every consumer; one that fails to decode is logged and skipped. */
const deliver =
  (channel: string, consumers: Consumers) =>
  (message: string): Effect.Effect<void> =>
    Either.match(decodeEventJson(message), {
      onRight: (event) =>
        Effect.suspend(() => {
          const ended = consumers.offer(event)
          return ended === 0
            ? Effect.void
            : Effect.logWarning("slow event consumers ended, their buffer was full").pipe(
                Effect.annotateLogs({ channel, consumers: ended, buffer: CONSUMER_BUFFER }),
              )
        }),
      onLeft: (error) =>
        Effect.logWarning("invalid event message skipped").pipe(
          Effect.annotateLogs({
            channel,
            rawMessage: message.slice(0, MESSAGE_PREVIEW_LENGTH),
            error: firstIssue(error).slice(0, MESSAGE_PREVIEW_LENGTH),
          }),
        ),
    })

/** Ends the streams of the consumers that were open while the channel had no subscription. */
const endMissed = (channel: string, consumers: Consumers, missedBy: ReadonlyArray<ConsumerQueue>) =>
  Effect.suspend(() => {
    const ended = missedBy.filter((queue) => consumers.end(queue)).length
    return ended === 0
      ? Effect.void
      : Effect.logWarning("events may have been missed, ending event streams").pipe(
          Effect.annotateLogs({ channel, consumers: ended }),
        )
  })

/**
 * Starts receiving: messages go through an unbounded inbox queue, in arrival order, to a
 * fiber that decodes them and offers them to every consumer. Then sends SUBSCRIBE and, when
 * the subscriber is connected, waits until Redis acknowledges it.
 *
 * It also tracks whether the channel is subscribed. From the moment the connection closes
 * (or from the start, before the first acknowledgement) until Redis acknowledges SUBSCRIBE
 * again, messages published are lost. The consumers open at any moment of that time are
 * ended when the acknowledgement arrives, after the events they already had.
 */
const receive = (subscriber: Redis, connected: boolean, channel: string, consumers: Consumers) =>
  Effect.gen(function* () {
    const inbox = yield* Effect.acquireRelease(Queue.unbounded<InboxItem>(), Queue.shutdown)
    const onMessage = (from: string, message: string) => {
      if (from === channel) {
        inbox.unsafeOffer({ _tag: "Message", message })
      }
    }

    // Written only from ioredis callbacks and promise callbacks, so the acknowledgement
    // is recorded before any later `close` of the connection.
    let subscribed = false
    const onClose = () => {
      subscribed = false
    }
    const acknowledged = () => {
      if (!subscribed) {
        subscribed = true
        inbox.unsafeOffer({ _tag: "Resubscribed", missedBy: consumers.snapshot() })
      }
    }
    const subscribe = Effect.tryPromise(() => subscriber.subscribe(channel).then(acknowledged))

    // ioredis sends SUBSCRIBE again by itself after a reconnect, but reports no
    // acknowledgement of it. A second SUBSCRIBE on the same connection changes nothing in
    // Redis, and its reply, which comes after the first one's, confirms the subscription.
    const fibers = yield* FiberSet.make()
    const runFork = yield* FiberSet.runtime(fibers)()
    const onReady = () => {
      if (!subscribed) {
        runFork(
          subscribe.pipe(
            Effect.tap(() => Effect.logInfo("redis subscribed again")),
            Effect.catchAll((cause) =>
              Effect.logWarning("redis subscribe after reconnect failed").pipe(
                Effect.annotateLogs({ error: RedisConnection.errorMessage(cause.error) }),
              ),
            ),
            Effect.annotateLogs({ channel }),
          ),
        )
      }
    }

    yield* Effect.acquireRelease(
      Effect.sync(() => {
        subscriber.on("message", onMessage)
        subscriber.on("close", onClose)
        subscriber.on("ready", onReady)
      }),
      () =>
        Effect.sync(() => {
          subscriber.off("message", onMessage)
          subscriber.off("close", onClose)
          subscriber.off("ready", onReady)
        }),
    )

    yield* Stream.fromQueue(inbox).pipe(
      Stream.runForEach((item) =>
        item._tag === "Message"
          ? deliver(channel, consumers)(item.message)
          : endMissed(channel, consumers, item.missedBy),
      ),
      Effect.forkScoped,
    )

    // The subscriber has no limit on retries, so while Redis is down this SUBSCRIBE waits
    // in ioredis's offline queue and goes out on the first successful connection.
    const subscription = yield* subscribe.pipe(
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
    // they keep a request that publishes from waiting on a Redis that is down. Auto
    // pipelining sends the PUBLISHes made in one turn of the event loop in one socket write,
    // which matters when many jobs change at once: each write costs a system call.
    const publisher = yield* RedisConnection.make({
      url,
      name: `jobs-publisher:${channel}`,
      redisOptions: { enableOfflineQueue: false, enableAutoPipelining: true },
    })
    const subscriber = yield* RedisConnection.make({
      url,
      name: `jobs-subscriber:${channel}`,
      redisOptions: { maxRetriesPerRequest: null },
    })

    const consumers = new Consumers()
    yield* Effect.addFinalizer(() => consumers.closeAll)
    yield* receive(subscriber.client, subscriber.connected, channel, consumers)

    const publish = (event: DomainEvent): Effect.Effect<void, EventPublishError> =>
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

    const events: Stream.Stream<DomainEvent> = Stream.unwrapScoped(
      Effect.map(consumers.register, (queue) =>
        Stream.fromQueue(queue).pipe(Stream.takeWhile(isEvent)),
      ),
    )

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
