import { logFields, logLevels, type Logger, type LogLevel } from "@weft/engine";
import { pino, type DestinationStream } from "pino";

/**
 * `--log-format json`: one JSON object per line on stdout (pino), with `time` (ISO), `level` (its
 * name), `msg` and the line's fields (`runId`, `functionId`, `stepId`, `traceId`, …) at the top
 * level. Fields pass `logFields` first, as the text lines do: no secrets, payloads in debug lines only.
 */
export function jsonLogger(opts: { level?: LogLevel; destination?: DestinationStream } = {}): Logger {
  const log = pino(
    {
      level: opts.level ?? "info",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    const kept = logFields(level, fields);
    if (kept === undefined) log[level](message);
    else log[level](kept, message);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export type LogFormat = "json" | "text";
export const logFormats: readonly LogFormat[] = ["json", "text"];

/** Whether `value` names a log level (`--log-level`). */
export function isLogLevel(value: string): value is LogLevel {
  return (logLevels as readonly string[]).includes(value);
}
