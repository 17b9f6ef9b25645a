import { type Job, MAX_DURATION_SECONDS, MIN_DURATION_SECONDS } from "@jobs/domain"
import { Effect, Either } from "effect"
import { type FormEvent, useId, useState } from "react"
import { useApiCall } from "../api/ApiRuntimeContext"
import { JobsClient } from "../api/JobsClient"
import { useI18n } from "../i18n"

const DEFAULT_DURATION = "5"

// An empty field becomes NaN (sent as JSON null), so that the API rejects it with its own
// message instead of the page quietly creating a 0-second job.
const parseDuration = (text: string): number => (text.trim() === "" ? Number.NaN : Number(text))

/**
 * Renders the form that creates a job. The browser checks only what the input attributes
 * express (required, 0-30). Everything else, such as a name of only spaces, is left to the API,
 * and its 400 message is shown next to the form until the user edits a field or submits again.
 */
export const JobCreateForm = ({ onCreated }: { readonly onCreated: (job: Job.Job) => void }) => {
  const { messages } = useI18n()
  const text = messages.form
  const callApi = useApiCall()

  const [name, setName] = useState("")
  const [duration, setDuration] = useState(DEFAULT_DURATION)
  const [submitting, setSubmitting] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const nameId = useId()
  const durationId = useId()
  const hintId = useId()
  const errorId = useId()

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setSubmitting(true)
    setError(null)

    const payload = { name, durationSeconds: parseDuration(duration) }
    const result = await callApi(
      Effect.flatMap(JobsClient, (client) => client.submitJob({ payload })),
    )

    setSubmitting(false)
    Either.match(result, {
      onLeft: setError,
      onRight: (job) => {
        onCreated(job)
        setName("")
      },
    })
  }

  return (
    <section className="panel" aria-labelledby={`${nameId}-heading`}>
      <h2 id={`${nameId}-heading`}>{text.heading}</h2>
      <form
        className="create-form"
        onSubmit={(event) => void submit(event)}
        aria-describedby={error === null ? undefined : errorId}
      >
        <div className="field">
          <label htmlFor={nameId}>{text.nameLabel}</label>
          <input
            id={nameId}
            name="name"
            type="text"
            required
            autoComplete="off"
            placeholder={text.namePlaceholder}
            value={name}
            onChange={(change) => {
              setName(change.target.value)
              setError(null)
            }}
          />
        </div>
        <div className="field field--narrow">
          <label htmlFor={durationId}>{text.durationLabel}</label>
          <input
            id={durationId}
            name="durationSeconds"
            type="number"
            required
            min={MIN_DURATION_SECONDS}
            max={MAX_DURATION_SECONDS}
            step={1}
            inputMode="numeric"
            aria-describedby={hintId}
            value={duration}
            onChange={(change) => {
              setDuration(change.target.value)
              setError(null)
            }}
          />
          <small id={hintId} className="field__hint">
            {text.durationHint}
          </small>
        </div>
        <button type="submit" className="button button--primary" disabled={submitting}>
          {submitting ? text.submitting : text.submit}
        </button>
      </form>
      {error !== null && (
        <p id={errorId} className="alert" role="alert">
          <strong>{text.failed}</strong> {error}
        </p>
      )}
    </section>
  )
}
