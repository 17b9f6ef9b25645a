/**
 * Recurring background tasks of the entry points (the worker's PENDING sweep and
 * stale checks, the API's lost-worker check) that keep running through a database
 * outage without flooding the log.
 */
import { Cause, type Duration, Effect, Ref } from "effect"

const describeCause = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

/**
 * Runs `pass` now and then `interval` after each pass ends, until interrupted. A
 * failed pass never stops the loop. During an outage every pass fails, so only the
 * first failure of the outage is a warning and the next ones are debug lines. The
 * first pass that succeeds again logs how many passes failed. When `wake` is given,
 * the next pass also starts as soon as `wake` completes, before `interval` is up.
 */
export const repeatEvery = <E, R>(
  task: string,
  pass: Effect.Effect<void, E, R>,
  interval: Duration.DurationInput,
  wake?: Effect.Effect<void>,
): Effect.Effect<never, never, R> =>
  Effect.gen(function* () {
    const failedPasses = yield* Ref.make(0)

    const onFailure = (cause: Cause.Cause<E>) =>
      Ref.getAndUpdate(failedPasses, (count) => count + 1).pipe(
        Effect.flatMap((earlier) =>
          earlier === 0
            ? Effect.logWarning(`${task} failed, will retry`)
            : Effect.logDebug(`${task} failed again`),
        ),
        Effect.annotateLogs({ error: describeCause(cause) }),
      )

    const onSuccess = Ref.getAndSet(failedPasses, 0).pipe(
      Effect.flatMap((failed) =>
        failed === 0
          ? Effect.void
          : Effect.logInfo(`${task} recovered`).pipe(Effect.annotateLogs({ failedPasses: failed })),
      ),
    )

    const once = pass.pipe(
      Effect.matchCauseEffect({
        onFailure: (cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.interrupt : onFailure(cause),
        onSuccess: () => onSuccess,
      }),
    )
    const pause =
      wake === undefined ? Effect.sleep(interval) : Effect.race(Effect.sleep(interval), wake)
    return yield* once.pipe(Effect.zipRight(pause), Effect.forever)
  })
