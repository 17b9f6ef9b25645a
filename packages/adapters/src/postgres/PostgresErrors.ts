/**
 * Turns failures of the PostgreSQL driver into RepositoryError. The message of a
 * RepositoryError reaches HTTP clients, so it names only the kind of failure: never
 * the SQL text, the connection URL or a password. The full cause goes to the log,
 * with passwords masked.
 */
import type { SqlError } from "@effect/sql/SqlError"
import { RepositoryError } from "@jobs/domain"
import { Effect, ParseResult } from "effect"

// Node socket error codes and PostgreSQL SQLSTATE codes that mean the database cannot be
// used right now, with the words that describe them.
const unavailableReasons: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection lost",
  ETIMEDOUT: "connection timed out",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  "28000": "authentication failed",
  "28P01": "authentication failed",
  "3D000": "database does not exist",
  "53300": "too many connections",
  "57P01": "server is shutting down",
  "57P02": "server crashed",
  "57P03": "server is starting up or shutting down",
}

// Errors that pg 8 and pg-pool 3 raise without a code.
const unavailableMessages: ReadonlyArray<readonly [RegExp, string]> = [
  [/timeout exceeded when trying to connect|connection timeout|timed out/i, "connection timed out"],
  [/connection terminated/i, "connection lost"],
]

const UNIQUE_VIOLATION = "23505"

const fieldOf = (value: unknown, field: string): string | undefined => {
  if (typeof value !== "object" || value === null || !(field in value)) {
    return undefined
  }
  const found = (value as Record<string, unknown>)[field]
  return typeof found === "string" ? found : undefined
}

/** The SQLSTATE or Node error code of a driver failure, if it has one. */
export const errorCode = (error: SqlError): string | undefined => fieldOf(error.cause, "code")

/** True when the statement failed because a unique constraint (such as the primary key) was violated. */
export const isUniqueViolation = (error: SqlError): boolean => errorCode(error) === UNIQUE_VIOLATION

/**
 * True when the statement failed because the unique constraint named `constraint` was
 * violated, as opposed to another unique constraint that the same statement also writes to.
 */
export const violates = (error: SqlError, constraint: string): boolean =>
  isUniqueViolation(error) && fieldOf(error.cause, "constraint") === constraint

/** Builds the client-safe message for a driver failure: the kind of failure and nothing else. */
export const safeMessage = (error: SqlError): string => {
  const code = errorCode(error)
  const byCode = code === undefined ? undefined : unavailableReasons[code]
  if (byCode !== undefined) {
    return `database unavailable: ${byCode}`
  }
  if (code?.startsWith("08")) {
    return "database unavailable: connection failed"
  }

  const text = `${error.message} ${fieldOf(error.cause, "message") ?? ""}`
  const byMessage = unavailableMessages.find(([pattern]) => pattern.test(text))
  if (byMessage !== undefined) {
    return `database unavailable: ${byMessage[1]}`
  }
  if (code?.startsWith("23")) {
    return "database rejected the change: a constraint was violated"
  }
  return "database query failed"
}

/** Masks the password of every `scheme://user:password@host` URL and `password=...` pair in a text. */
export const redactPasswords = (text: string): string =>
  text.replace(/(\/\/[^:/@\s]*:)[^@\s]*@/g, "$1***@").replace(/(password=)[^\s&]+/gi, "$1***")

const describe = (error: SqlError | ParseResult.ParseError): string => {
  if (error._tag === "ParseError") {
    return `stored row could not be decoded: ${ParseResult.TreeFormatter.formatErrorSync(error)}`
  }
  const cause = fieldOf(error.cause, "message")
  const code = errorCode(error)
  return [error.message, cause, code === undefined ? undefined : `code ${code}`]
    .filter((part) => part !== undefined)
    .join(": ")
}

/**
 * Logs a failed database operation at warning level (passwords masked) and fails with a
 * RepositoryError whose message is safe to show.
 */
export const toRepositoryError =
  (operation: string) =>
  (error: SqlError | ParseResult.ParseError): Effect.Effect<never, RepositoryError> =>
    Effect.logWarning("database operation failed").pipe(
      Effect.annotateLogs({ operation, error: redactPasswords(describe(error)) }),
      Effect.zipRight(
        Effect.fail(
          new RepositoryError({
            message:
              error._tag === "ParseError"
                ? "database returned a job that could not be decoded"
                : safeMessage(error),
          }),
        ),
      ),
    )
