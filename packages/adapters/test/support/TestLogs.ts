import { type Layer, Logger, LogLevel } from "effect"

/** Keeps warnings and errors only, so test output is not drowned in startup lines. */
export const warningsOnly: Layer.Layer<never> = Logger.minimumLogLevel(LogLevel.Warning)

export interface CapturedLogs {
  /** Every log line so far, in logfmt. */
  readonly lines: ReadonlyArray<string>
  /** Replaces the default logger with one that records into `lines` instead of printing. */
  readonly layer: Layer.Layer<never>
}

/** Creates a logger that keeps its lines in memory, so a test can check what was logged. */
export const captureLogs = (): CapturedLogs => {
  const lines: Array<string> = []
  const logger = Logger.map(Logger.logfmtLogger, (line) => {
    lines.push(line)
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}
