/**
 * Hands the page's one ApiRuntime to components, and runs API calls through it.
 */
import { Effect, Either } from "effect"
import { createContext, useCallback, useContext } from "react"
import { useI18n } from "../i18n"
import { type ApiFailure, describeApiFailure } from "./failures"
import type { ApiRuntime, JobsClient } from "./JobsClient"

export const ApiRuntimeContext = createContext<ApiRuntime | null>(null)

export const useApiRuntime = (): ApiRuntime => {
  const runtime = useContext(ApiRuntimeContext)
  if (runtime === null) {
    throw new Error("useApiRuntime needs an ApiRuntimeContext.Provider above the component")
  }
  return runtime
}

/** The outcome of an API call: its value, or a sentence describing the failure for the page. */
export type ApiResult<A> = Either.Either<A, string>

/**
 * Returns a function that runs an API call on the page's runtime. A failure that the contract
 * declares becomes its message. A defect (a bug) is logged to the console and becomes a generic
 * message, so a caller never has to handle a rejected promise.
 */
export const useApiCall = (): (<A>(
  call: Effect.Effect<A, ApiFailure, JobsClient>,
) => Promise<ApiResult<A>>) => {
  const runtime = useApiRuntime()
  const { messages } = useI18n()

  return useCallback(
    <A>(call: Effect.Effect<A, ApiFailure, JobsClient>): Promise<ApiResult<A>> =>
      runtime.runPromise(Effect.either(call)).then(
        (result) => Either.mapLeft(result, (error) => describeApiFailure(error, messages.failures)),
        (defect: unknown) => {
          console.error("API call failed unexpectedly", defect)
          return Either.left(messages.failures.unexpected)
        },
      ),
    [runtime, messages],
  )
}

/**
 * Returns a function for TanStack Query's `queryFn`: it runs an API call and resolves with its
 * value, or rejects with an Error whose message is the sentence `useApiCall` would give.
 */
export const useApiQuery = (): (<A>(
  call: Effect.Effect<A, ApiFailure, JobsClient>,
) => Promise<A>) => {
  const callApi = useApiCall()
  return useCallback(
    <A>(call: Effect.Effect<A, ApiFailure, JobsClient>): Promise<A> =>
      callApi(call).then(
        Either.match({
          onLeft: (message) => Promise.reject(new Error(message)),
          onRight: (value) => Promise.resolve(value),
        }),
      ),
    [callApi],
  )
}
