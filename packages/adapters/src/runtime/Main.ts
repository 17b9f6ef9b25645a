/**
 * The shared entry-point runner of the API server and the worker.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Cause, type Config, ConfigError, Console, Effect } from "effect"
import { describeConfigError } from "./AppConfig"
import * as Logging from "./Logging"

/**
 * Runs `program` as the process's main fiber on Node. It first reads `config`:
 * an invalid value prints one line to stderr and exits with code 1. Otherwise the
 * program runs with the configured logger. If it fails, one `error` line
 * describes the failure (the full cause goes to the debug level) and the process
 * exits with code 1. SIGTERM or SIGINT interrupts the program, runs its
 * finalizers and exits with code 0. Further signals during that shutdown are
 * logged and otherwise ignored, so they cannot cut the finalizers short.
 */
export const runMain = <C extends Logging.LoggingConfig, E>(
  config: Config.Config<C>,
  program: (config: C) => Effect.Effect<unknown, E>,
): void => {
  const main = Effect.gen(function* () {
    const settings = yield* config.pipe(
      Effect.tapError((error) => Console.error(describeConfigError(error))),
    )
    return yield* program(settings).pipe(
      Effect.tapErrorCause(logFailure),
      Effect.provide(Logging.layer(settings)),
    )
  })
  // NodeRuntime.runMain handles the first SIGINT or SIGTERM and then removes its
  // listener, after which Node's default action would end the process at once. Under
  // `node --watch` and `bun run dev` a stop brings two signals (one to the process
  // group, one forwarded by the watcher), and the second one would skip the requeue of
  // the worker's jobs. These listeners keep the default action away and do nothing
  // else; the finalizers have their own time limits, so the shutdown still ends.
  const ignoreRepeatedSignal = () => undefined
  process.on("SIGINT", ignoreRepeatedSignal)
  process.on("SIGTERM", ignoreRepeatedSignal)
  NodeRuntime.runMain(main, { disablePrettyLogger: true, disableErrorReporting: true })
}

const logFailure = (cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Cause.isInterruptedOnly(cause)
    ? Effect.void
    : Effect.logError("process failed").pipe(
        Effect.annotateLogs({ error: describeFailure(Cause.squash(cause)) }),
        Effect.zipRight(Effect.logDebug("failure details", cause)),
      )

// Enough for the chains seen in practice (an error, its cause, the cause's cause),
// and a bound in case a cause refers back to an earlier error.
const MAX_CAUSES_SHOWN = 5

/**
 * Describes an error in one line: its message, followed by the messages of its
 * causes. The adapters' errors carry messages without secrets (RepositoryError
 * promises it); other errors are shown as they are.
 */
const describeFailure = (error: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = error
  while (current !== undefined && current !== null && parts.length < MAX_CAUSES_SHOWN) {
    if (ConfigError.isConfigError(current)) {
      parts.push(describeConfigError(current))
      break
    }
    const message = current instanceof Error ? current.message : String(current)
    if (message !== "" && !parts.includes(message)) {
      parts.push(message)
    }
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.length === 0 ? "unknown error" : parts.join(": ").replace(/\s*\n\s*/g, " ")
}
