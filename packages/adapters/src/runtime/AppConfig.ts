/**
 * Settings read from environment variables, shared by the API server and the
 * worker. Each variable has a default for local use. An invalid value fails with
 * a ConfigError whose message names the variable, the problem with the value
 * and what is accepted. `describeConfigError` joins such errors into one line.
 */
import { Config, ConfigError, Either, LogLevel, type Option, Redacted } from "effect"

/**
 * Parses the raw text of a variable. On failure it returns the problem and what
 * is accepted, such as `{ problem: "is out of range", expected: "a whole number from 1 to 65535" }`.
 */
export type Parse<A> = (raw: string) => Either.Either<A, Invalid>

/** The reason a raw value was rejected. */
export interface Invalid {
  readonly problem: string
  readonly expected: string
}

/** Rejects a raw value, for use in a `Parse` function. */
export const invalid = (problem: string, expected: string): Either.Either<never, Invalid> =>
  Either.left({ problem, expected })

/**
 * Validates a variable's text with `parse`. The error message shows the raw
 * value too, unless the variable is `secret`.
 */
const parsed =
  <A>(name: string, parse: Parse<A>, secret: boolean) =>
  (text: Config.Config<string>): Config.Config<A> =>
    Config.mapOrFail(text, (raw) =>
      Either.mapLeft(parse(raw), ({ problem, expected }) => {
        const subject = secret ? name : `${name}=${JSON.stringify(raw)}`
        return ConfigError.InvalidData([], `${subject} ${problem}, expected ${expected}.`)
      }),
    )

/** One environment variable with a default, parsed by `parse`. */
export const variable = <A>(
  name: string,
  options: { readonly default: string; readonly parse: Parse<A>; readonly secret?: boolean },
): Config.Config<A> =>
  Config.string(name).pipe(
    Config.withDefault(options.default),
    parsed(name, options.parse, options.secret === true),
  )

/** One environment variable without a default: None when it is not set. */
export const optionalVariable = <A>(
  name: string,
  parse: Parse<A>,
): Config.Config<Option.Option<A>> =>
  Config.option(Config.string(name).pipe(parsed(name, parse, false)))

const parseUrl =
  (protocols: ReadonlyArray<string>, example: string): Parse<string> =>
  (raw) => {
    const expected = `a ${protocols.join(" or ")} URL such as ${example}`
    if (!URL.canParse(raw)) {
      return invalid("is not a URL", expected)
    }
    const url = new URL(raw)
    if (!protocols.includes(url.protocol)) {
      return invalid(`has the scheme ${url.protocol}`, expected)
    }
    if (url.hostname === "") {
      return invalid("names no host", expected)
    }
    return Either.right(raw)
  }

/** The PostgreSQL connection URL. It may contain a password, so it stays Redacted. */
export const databaseUrl: Config.Config<Redacted.Redacted<string>> = Config.map(
  variable("DATABASE_URL", {
    default: "postgres://postgres@127.0.0.1:5432/jobs",
    secret: true,
    parse: parseUrl(["postgres:", "postgresql:"], "postgres://user@host:5432/jobs"),
  }),
  Redacted.make,
)

/** The Redis connection URL. It may contain a password, so it stays Redacted. */
export const redisUrl: Config.Config<Redacted.Redacted<string>> = Config.map(
  variable("REDIS_URL", {
    default: "redis://127.0.0.1:6379",
    secret: true,
    parse: parseUrl(["redis:", "rediss:"], "redis://host:6379"),
  }),
  Redacted.make,
)

const logLevels: Readonly<Record<string, LogLevel.LogLevel>> = {
  trace: LogLevel.Trace,
  debug: LogLevel.Debug,
  info: LogLevel.Info,
  warning: LogLevel.Warning,
  error: LogLevel.Error,
  none: LogLevel.None,
}

/** The minimum level of the lines that are written: trace, debug, info, warning, error or none. */
export const logLevel: Config.Config<LogLevel.LogLevel> = variable("LOG_LEVEL", {
  default: "info",
  parse: (raw) => {
    const level = logLevels[raw.toLowerCase()]
    return level === undefined
      ? invalid("is not a log level", `one of ${Object.keys(logLevels).join(", ")}`)
      : Either.right(level)
  },
})

export type LogFormat = "logfmt" | "json"

/** The format of each log line: `logfmt` (key=value pairs) or `json` (one object per line). */
export const logFormat: Config.Config<LogFormat> = variable("LOG_FORMAT", {
  default: "logfmt",
  parse: (raw) => {
    const format = raw.toLowerCase()
    return format === "logfmt" || format === "json"
      ? Either.right(format)
      : invalid("is not a log format", "logfmt or json")
  },
})

// Redis accepts any byte string as a channel name. Spaces and control characters
// are refused only because they make the name hard to type and to read in logs.
const channelPattern = /^[\x21-\x7e]{1,200}$/

/** The Redis Pub/Sub channel that carries the job events. */
export const eventsChannel: Config.Config<string> = variable("EVENTS_CHANNEL", {
  default: "job_events",
  parse: (raw) =>
    channelPattern.test(raw)
      ? Either.right(raw)
      : invalid(
          "is not a usable channel name",
          "1 to 200 printable ASCII characters without spaces",
        ),
})

/** Settings every process needs. */
export interface CommonConfig {
  readonly databaseUrl: Redacted.Redacted<string>
  readonly redisUrl: Redacted.Redacted<string>
  readonly logLevel: LogLevel.LogLevel
  readonly logFormat: LogFormat
  readonly eventsChannel: string
}

export const common: Config.Config<CommonConfig> = Config.all({
  databaseUrl,
  redisUrl,
  logLevel,
  logFormat,
  eventsChannel,
})

/** Joins the messages of every invalid variable into one line. */
export const describeConfigError = (error: ConfigError.ConfigError): string =>
  `invalid configuration: ${collectMessages(error).join(" ")}`

const collectMessages = (error: ConfigError.ConfigError): ReadonlyArray<string> => {
  switch (error._op) {
    case "And":
    case "Or":
      return [...collectMessages(error.left), ...collectMessages(error.right)]
    case "InvalidData":
    case "MissingData":
    case "SourceUnavailable":
    case "Unsupported": {
      // The messages of `variable` start with the variable's name already.
      const name = error.path.join(".")
      return name === "" || error.message.startsWith(name)
        ? [error.message]
        : [`${name}: ${error.message}`]
    }
  }
}
