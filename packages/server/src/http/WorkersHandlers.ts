/**
 * Handler of the "workers" group: the registry's workers with the jobs each runs.
 */
import { HttpApiBuilder } from "@effect/platform"
import { JobsApi, listWorkers, type WorkerOverview, type WorkerView } from "@jobs/domain"
import { Effect } from "effect"
import { callStore } from "./JobsHandlers"

const toView = ({ worker, alive, runningJobs }: WorkerOverview): WorkerView => ({
  ...worker,
  alive,
  runningJobs,
})

export const layer = HttpApiBuilder.group(JobsApi, "workers", (handlers) =>
  handlers.handle("listWorkers", () =>
    callStore(listWorkers()).pipe(Effect.map((workers) => ({ items: workers.map(toView) }))),
  ),
)
