/**
 * Value objects of the job aggregate. Each is a branded schema, so a value that
 * passed validation at the edge cannot be mixed up with a plain string or number.
 */
import { Schema } from "effect"

/** Maximum length of a rejected value shown in an error message, in characters (code points). */
export const MAX_REJECTED_VALUE_PREVIEW = 40

/**
 * Cuts `text` to its first `max` characters (code points) and returns them with the full
 * length, or undefined when `text` is short enough to show whole.
 */
export const cutForPreview = (
  text: string,
  max: number,
): { readonly shown: string; readonly length: number } | undefined => {
  const characters = [...text]
  return characters.length <= max
    ? undefined
    : { shown: characters.slice(0, max).join(""), length: characters.length }
}

/**
 * Formats a rejected input value for an error message: numbers as written, anything
 * else as JSON. A value longer than MAX_REJECTED_VALUE_PREVIEW characters is cut, and
 * the message gives its full length, so a huge input is not echoed back in full.
 */
export const formatRejectedValue = (actual: unknown): string => {
  if (typeof actual === "number") {
    return String(actual)
  }
  // A string is cut before it is quoted, so the preview stays a valid JSON string.
  if (typeof actual === "string") {
    const cut = cutForPreview(actual, MAX_REJECTED_VALUE_PREVIEW)
    return cut === undefined
      ? JSON.stringify(actual)
      : `${JSON.stringify(cut.shown)}... (${cut.length} characters)`
  }
  // JSON.stringify returns undefined for undefined, functions and symbols.
  const json = String(JSON.stringify(actual))
  const cut = cutForPreview(json, MAX_REJECTED_VALUE_PREVIEW)
  return cut === undefined ? json : `${cut.shown}... (${cut.length} characters of JSON)`
}

/** Identifier of a job: a UUID in its canonical lowercase-or-uppercase hex form. */
export const JobId = Schema.UUID.pipe(
  Schema.brand("JobId"),
  Schema.annotations({
    identifier: "JobId",
    description: "Job identifier (UUID)",
    message: (issue) =>
      `must be a UUID such as 3f2b8c1e-5d4a-4e8b-9a63-0c7f1e2d4b5a, got ${formatRejectedValue(issue.actual)}`,
  }),
)
export type JobId = typeof JobId.Type

// Unicode category Cc: C0 and C1 control characters and DEL. Names are shown in lists and logs, where
// such characters would corrupt the output.
const controlCharacters = /\p{Cc}/u
// A lone UTF-16 surrogate is not a character, and PostgreSQL stores it as U+FFFD,
// so the name read back would differ from the name sent.
const loneSurrogate = /\p{Cs}/u

/** Length in Unicode characters (code points), so an emoji counts once. */
const characterCount = (text: string): number => [...text].length

export const MAX_JOB_NAME_LENGTH = 100

/** Human-readable job name: trimmed, 1-100 characters, no control characters. */
export const JobName = Schema.Trim.pipe(
  Schema.filter((name) => {
    const length = characterCount(name)
    return (
      (length >= 1 && length <= MAX_JOB_NAME_LENGTH) ||
      `must be from 1 to ${MAX_JOB_NAME_LENGTH} characters after trimming spaces, got ${length}`
    )
  }),
  Schema.filter((name) => !controlCharacters.test(name) || "must not contain control characters"),
  Schema.filter((name) => !loneSurrogate.test(name) || "must be valid Unicode text"),
  Schema.brand("JobName"),
  Schema.annotations({
    identifier: "JobName",
    description: `Job name: 1-${MAX_JOB_NAME_LENGTH} characters after trimming, no control characters`,
    jsonSchema: { type: "string", minLength: 1, maxLength: MAX_JOB_NAME_LENGTH },
  }),
)
export type JobName = typeof JobName.Type

export const MAX_JOB_SEARCH_LENGTH = 200

/**
 * Search text for the job list: trimmed, 1-200 characters, no control characters. A job
 * matches when its name contains the text, ignoring case, or when the text is a UUID equal
 * to the job's id. `%`, `_` and `\` are ordinary characters here, not wildcards.
 */
export const JobSearch = Schema.Trim.pipe(
  Schema.filter((text) => text.length > 0 || "must not be empty or only spaces"),
  Schema.filter(
    (text) =>
      characterCount(text) <= MAX_JOB_SEARCH_LENGTH ||
      `must be at most ${MAX_JOB_SEARCH_LENGTH} characters, got ${characterCount(text)}`,
  ),
  Schema.filter((text) => !controlCharacters.test(text) || "must not contain control characters"),
  Schema.filter((text) => !loneSurrogate.test(text) || "must be valid Unicode text"),
  Schema.brand("JobSearch"),
  Schema.annotations({
    identifier: "JobSearch",
    description: `Search text: 1-${MAX_JOB_SEARCH_LENGTH} characters after trimming, no control characters`,
    jsonSchema: { type: "string", minLength: 1, maxLength: MAX_JOB_SEARCH_LENGTH },
  }),
)
export type JobSearch = typeof JobSearch.Type

export const MIN_DURATION_SECONDS = 0
export const MAX_DURATION_SECONDS = 30

/** How long the dummy job sleeps, in whole seconds from 0 to 30. */
export const DurationSeconds = Schema.Number.pipe(
  Schema.filter(
    (n) =>
      (Number.isInteger(n) && n >= MIN_DURATION_SECONDS && n <= MAX_DURATION_SECONDS) ||
      `must be a whole number of seconds from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS}, got ${n}`,
  ),
  Schema.brand("DurationSeconds"),
  Schema.annotations({
    identifier: "DurationSeconds",
    description: `Whole seconds from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS}`,
    jsonSchema: { type: "integer", minimum: MIN_DURATION_SECONDS, maximum: MAX_DURATION_SECONDS },
    // Overrides "Expected number" too, so a string or null also gets the accepted range.
    message: (issue) => ({
      message: `must be a whole number of seconds from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS}, got ${formatRejectedValue(issue.actual)}`,
      override: true,
    }),
  }),
)
export type DurationSeconds = typeof DurationSeconds.Type

export const JobStatus = Schema.Literal(
  "PENDING",
  "RUNNING",
  "COMPLETED",
  "CANCELLED",
  "FAILED",
).pipe(
  Schema.annotations({
    identifier: "JobStatus",
    message: (issue) => ({
      message: `must be one of PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, got ${formatRejectedValue(issue.actual)}`,
      override: true,
    }),
  }),
)
export type JobStatus = typeof JobStatus.Type

export const jobStatuses: ReadonlyArray<JobStatus> = JobStatus.literals

/** Statuses from which no command leads anywhere. */
export const isTerminal = (status: JobStatus): boolean =>
  status === "COMPLETED" || status === "CANCELLED" || status === "FAILED"
