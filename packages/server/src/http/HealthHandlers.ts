/**
 * GET /api/health: 200 when PostgreSQL and Redis both respond to a ping, otherwise
 * 503 Unhealthy naming the service or services that are down.
 */
import { HttpApiBuilder } from "@effect/platform"
import { JobsApi, Unhealthy } from "@jobs/domain"
import { Context, Duration, Effect } from "effect"

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
// itself responds promptly while a service hangs.
const PING_TIMEOUT = Duration.seconds(2)

const probe = (name: string, ping: Effect.Effect<void, unknown>) =>
  ping.pipe(
    Effect.timeout(PING_TIMEOUT),
    Effect.as("up" as const),
    Effect.catchAllCause((cause) =>
      Effect.logWarning("health check failed", cause).pipe(
        Effect.annotateLogs({ service: name }),
        Effect.as("down" as const),
      ),
    ),
  )

/** Pings both services at once and reports their states. */
export const checkHealth = Effect.gen(function* () {
  const probes = yield* HealthProbes
  const report = yield* Effect.all(
    { postgres: probe("postgres", probes.postgres), redis: probe("redis", probes.redis) },
    { concurrency: "unbounded" },
  )

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

export const layer = HttpApiBuilder.group(JobsApi, "health", (handlers) =>
  handlers.handle("health", () => checkHealth),
)
