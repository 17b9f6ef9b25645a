/**
 * Gathers requests that arrive while a batch is running, and runs them as the next batch.
 * The first request after a quiet moment runs at once, alone, so batching adds no delay
 * when there is little to do. Under load, each round trip carries everything that piled
 * up during the previous one: the busier the system, the bigger the batches.
 */
import { Deferred, Effect, Exit, Queue, type Scope } from "effect"

export interface Options<A, B, E> {
  /** The maximum number of requests in one batch; the rest wait for the next batch. */
  readonly maxSize: number
  /**
   * Requests with the same key never share a batch: a later one waits for the next batch,
   * so it runs after the earlier one has finished. Without `key`, any requests may share one.
   */
  readonly key?: (request: A) => string
  /** Runs one batch and returns one result per request, in the order of `requests`. */
  readonly run: (requests: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<Exit.Exit<B, E>>>
}

interface Entry<A, B, E> {
  readonly request: A
  readonly result: Deferred.Deferred<B, E>
}

/**
 * Returns a function that submits one request and waits for its result. One fiber, open
 * while the scope is, runs the batches one after the other. When the scope closes, every
 * request still waiting or running is interrupted. A caller interrupted while it waits does
 * not withdraw its request: it may still run.
 */
export const make = <A, B, E>(
  options: Options<A, B, E>,
): Effect.Effect<(request: A) => Effect.Effect<B, E>, never, Scope.Scope> =>
  Effect.gen(function* () {
    let waiting: Array<Entry<A, B, E>> = []
    let running: ReadonlyArray<Entry<A, B, E>> = []
    const wake = yield* Queue.sliding<void>(1)

    // Takes the oldest requests, up to maxSize, skipping a request whose key is taken
    // already. The skipped ones keep their order for the next batch.
    const takeBatch = (): ReadonlyArray<Entry<A, B, E>> => {
      const batch: Array<Entry<A, B, E>> = []
      const rest: Array<Entry<A, B, E>> = []
      const keys = new Set<string>()
      for (const entry of waiting) {
        const key = options.key?.(entry.request)
        if (batch.length < options.maxSize && (key === undefined || !keys.has(key))) {
          batch.push(entry)
          if (key !== undefined) {
            keys.add(key)
          }
        } else {
          rest.push(entry)
        }
      }
      waiting = rest
      return batch
    }

    // A batch that fails as a whole, or dies, gives every request the same outcome, so no
    // caller is left waiting.
    const runBatch = (batch: ReadonlyArray<Entry<A, B, E>>) =>
      Effect.exit(options.run(batch.map((entry) => entry.request))).pipe(
        Effect.flatMap((outcome) =>
          Effect.forEach(
            batch,
            (entry, index) =>
              Deferred.done(
                entry.result,
                Exit.isSuccess(outcome)
                  ? (outcome.value[index] ??
                      Exit.die(new Error(`batch returned no result for request ${index}`)))
                  : Exit.failCause(outcome.cause),
              ),
            { discard: true },
          ),
        ),
      )

    const drain: Effect.Effect<void> = Effect.suspend(() => {
      const batch = takeBatch()
      if (batch.length === 0) {
        return Effect.void
      }
      running = batch
      return runBatch(batch).pipe(Effect.zipRight(drain))
    })

    yield* Effect.addFinalizer(() =>
      Effect.forEach([...running, ...waiting], (entry) => Deferred.interrupt(entry.result), {
        discard: true,
      }),
    )
    yield* Effect.forkScoped(Effect.forever(Queue.take(wake).pipe(Effect.zipRight(drain))))

    return (request: A) =>
      Effect.flatMap(Deferred.make<B, E>(), (result) =>
        Effect.suspend(() => {
          waiting.push({ request, result })
          wake.unsafeOffer(undefined)
          return Deferred.await(result)
        }),
      )
  })

/**
 * Runs a batch with `runMany`, which returns one result per request. When that fails, runs
 * each request alone, so that one bad request fails by itself, and a batch that failed for
 * a passing reason (a deadlock between two batches, say) still goes through.
 */
export const withFallbackToSingles =
  <A, B, E>(runMany: (requests: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<B>, E>) =>
  (requests: ReadonlyArray<A>): Effect.Effect<ReadonlyArray<Exit.Exit<B, E>>> => {
    const runOne = (request: A) =>
      Effect.exit(
        runMany([request]).pipe(
          Effect.flatMap((results) =>
            results[0] === undefined
              ? Effect.dieMessage("a batch of one returned no result")
              : Effect.succeed(results[0]),
          ),
        ),
      )
    return runMany(requests).pipe(
      Effect.map((results) => results.map((result) => Exit.succeed(result))),
      Effect.catchAll((error) =>
        requests.length === 1
          ? Effect.succeed([Exit.fail(error)])
          : Effect.logDebug("batch failed, running its requests one by one").pipe(
              Effect.annotateLogs({ requests: requests.length }),
              Effect.zipRight(Effect.forEach(requests, runOne)),
            ),
      ),
    )
  }
