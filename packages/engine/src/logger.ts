import { logFields } from "./log-fields.js";

/**
 * The engine's log: one line per thing worth knowing. Fields are named the same everywhere:
 * `runId`, `functionId`, `stepId`, `attempt`, `eventName`, `appName` (and `traceId` when the caller
 * has one). Secrets never go in a line, and payloads (event data, step outputs) only in `debug`
 * lines: `logFields` drops them from the others whatever a caller passes.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = keyof Logger;
export const logLevels: readonly LogLevel[] = ["debug", "info", "warn", "error"];

function line(level: LogLevel, message: string, fields?: Record<string, unknown>): string {
  const kept = logFields(level, fields);
  const extra = kept && Object.keys(kept).length > 0 ? ` ${JSON.stringify(kept)}` : "";
  return `${new Date().toISOString()} ${level.padEnd(5)} ${message}${extra}`;
}

/** Text lines on the console (`--log-format text`), from `minLevel` up: info to stdout, warnings and errors to stderr. */
export function textLogger(minLevel: LogLevel = "info"): Logger {
  const on = (level: LogLevel) => logLevels.indexOf(level) >= logLevels.indexOf(minLevel);
  const noop = () => {};
  return {
    debug: on("debug") ? (m, f) => console.log(line("debug", m, f)) : noop,
    info: on("info") ? (m, f) => console.log(line("info", m, f)) : noop,
    warn: on("warn") ? (m, f) => console.warn(line("warn", m, f)) : noop,
    error: on("error") ? (m, f) => console.error(line("error", m, f)) : noop,
  };
}

export const consoleLogger: Logger = textLogger("info");

export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
