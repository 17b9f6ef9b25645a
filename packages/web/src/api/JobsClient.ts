/**
 * The browser's client of the Jobs API, derived from the HttpApi contract in @jobs/domain.
 * One ManagedRuntime (made at the app root with `makeApiRuntime`) runs every request.
 */
import {
  FetchHttpClient,
  HttpApi,
  HttpApiClient,
  HttpApiEndpoint,
  HttpApiGroup,
} from "@effect/platform"
import { Job, JobsApi, ServiceUnavailable } from "@jobs/domain"
import { Context, Effect, Layer, ManagedRuntime, Schema } from "effect"

/**
 * Payload of the create form: the name and the number exactly as the user typed them.
 *
 * The contract's CreateJobRequest validates and trims while the typed client encodes the
 * payload, so a client of JobsApi rejects a name like "   " (or " report ") before any request
 * is made. The form sends the raw input to the same endpoint instead, so that the API decides
 * and its 400 message is shown to the user.
 */
const CreateJobFormInput = Schema.Struct({
  name: Schema.String,
  durationSeconds: Schema.Number,
})

/** POST /api/jobs of the contract, with the raw form input as its payload. */
class CreateJobFormApi extends HttpApi.make("jobs-api-form")
  .add(
    HttpApiGroup.make("jobs").add(
      HttpApiEndpoint.post("createJob", "/jobs")
        .setPayload(CreateJobFormInput)
        .addSuccess(Job.Job, { status: 201 })
        .addError(ServiceUnavailable),
    ),
  )
  .prefix("/api") {}

const make = (baseUrl: string) =>
  Effect.gen(function* () {
    const api = yield* HttpApiClient.make(JobsApi, { baseUrl })
    const form = yield* HttpApiClient.make(CreateJobFormApi, { baseUrl })
    return {
      /** The typed endpoints of the contract: listJobs, getJob, createJob, cancelJob, rerunJob. */
      jobs: api.jobs,
      /** listWorkers: the registry's workers with their running jobs. */
      workers: api.workers,
      health: api.health,
      /** createJob with unvalidated form input; see CreateJobFormInput. */
      submitJob: form.jobs.createJob,
    }
  })

export class JobsClient extends Context.Tag("@jobs/web/JobsClient")<
  JobsClient,
  Effect.Effect.Success<ReturnType<typeof make>>
>() {
  static readonly layer = (baseUrl: string): Layer.Layer<JobsClient> =>
    Layer.effect(JobsClient, make(baseUrl)).pipe(Layer.provide(FetchHttpClient.layer))
}

export type ApiRuntime = ManagedRuntime.ManagedRuntime<JobsClient, never>

/** Creates the runtime for the whole page; `baseUrl` is the origin that serves /api. */
export const makeApiRuntime = (baseUrl: string): ApiRuntime =>
  ManagedRuntime.make(JobsClient.layer(baseUrl))
