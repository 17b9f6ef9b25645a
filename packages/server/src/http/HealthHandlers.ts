/**
 * GET /api/health: 200 when PostgreSQL and Redis both respond to a ping, otherwise
 * 503 Unhealthy naming the service or services that are down.
 */
import { HttpApiBuilder } from "@effect/platform"
import { JobsApi, Unhealthy } from "@jobs/domain"
import { Cause, Context, Duration, Effect, Option, Ref } from "effect"

/** One ping per backing service. Each succeeds when its service responds. */
export interface HealthProbesShape {
  readonly postgres: Effect.Effect<void, unknown>
  readonly redis: Effect.Effect<void, unknown>
}

export class HealthProbes extends Context.Tag("@jobs/server/HealthProbes")<
  HealthProbes,
  HealthProbesShape
>() {}

// A ping that has not responded by then counts as down, so the health check
// itself responds promptly while a service hangs. The ping runs disconnected, so
// the response does not wait for the interruption of a hanging query either.
const PING_TIMEOUT = Duration.seconds(2)

type ServiceState = "up" | "down"

/** Describes a failed ping in one line, with its message and no stack trace. */
const describeFailure = (cause: Cause.Cause<unknown>): string => {
  if (Cause.isInterruptedOnly(cause)) {
    return "interrupted"
  }
  const failure = Cause.squash(cause)
  if (Cause.isTimeoutException(failure)) {
    return `no response within ${Duration.format(PING_TIMEOUT)}`
  }
  if (typeof failure === "object" && failure !== null && "message" in failure) {
    return String(failure.message)
  }
  return String(failure)
}

/**
 * Pings one service and logs only changes of its state: a warning when it goes
 * down (also at the first check), an info line when it is back up. A monitor that
 * polls /api/health every few seconds then adds no log line while nothing changes.
 */
const makeProbe = (name: string, ping: Effect.Effect<void, unknown>) =>
  Effect.gen(function* () {
    const lastState = yield* Ref.make<ServiceState>("up")
    const record = (state: ServiceState, log: Effect.Effect<void>) =>
      Ref.getAndSet(lastState, state).pipe(
        Effect.flatMap((previous) => (previous === state ? Effect.void : log)),
        Effect.annotateLogs({ service: name }),
        Effect.as(state),
      )
    return ping.pipe(
      Effect.disconnect,
      Effect.withUnhandledErrorLogLevel(Option.none()),
      Effect.timeout(PING_TIMEOUT),
      Effect.matchCauseEffect({
        onSuccess: () => record("up", Effect.logInfo("service reachable again")),
        onFailure: (cause) =>
          record(
            "down",
            Effect.logWarning("service not reachable").pipe(
              Effect.annotateLogs({ error: describeFailure(cause) }),
            ),
          ),
      }),
    )
  })

/** Pings both services at once and reports their states. */
const makeCheckHealth = Effect.gen(function* () {
  const probes = yield* HealthProbes
  const postgres = yield* makeProbe("postgres", probes.postgres)
  const redis = yield* makeProbe("redis", probes.redis)

  return Effect.gen(function* () {
    const report = yield* Effect.all({ postgres, redis }, { concurrency: "unbounded" })
    const down = Object.entries(report)
      .filter(([, state]) => state === "down")
      .map(([name]) => name)
    if (down.length > 0) {
      return yield* Effect.fail(
        new Unhealthy({ message: `${down.join(" and ")} not reachable`, ...report }),
      )
    }
    return report
  })
})

export const layer = HttpApiBuilder.group(JobsApi, "health", (handlers) =>
  Effect.map(makeCheckHealth, (checkHealth) => handlers.handle("health", () => checkHealth)),
)
