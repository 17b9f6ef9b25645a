/**
 * The logger of both processes: one line per entry on stdout, in logfmt or JSON,
 * from the configured minimum level up. Fields come from `Effect.annotateLogs`.
 */
import { Layer, Logger, type LogLevel } from "effect"
import type { LogFormat } from "./AppConfig"

export interface LoggingConfig {
  readonly logLevel: LogLevel.LogLevel
  readonly logFormat: LogFormat
}

/** Replaces Effect's default logger with the configured format and level. */
export const layer = (config: LoggingConfig): Layer.Layer<never> =>
  Layer.mergeAll(
    config.logFormat === "json" ? Logger.json : Logger.logFmt,
    Logger.minimumLogLevel(config.logLevel),
  )
