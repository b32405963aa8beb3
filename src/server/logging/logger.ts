import { pino, type DestinationStream, type Logger } from "pino";

/** The levels `logLevel` takes, most severe first; `silent` logs nothing. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Baton's structured logger (pino): one JSON object per line. */
export type BatonLogger = Logger;

/**
 * Field names whose values are censored wherever they appear in a log object: a safety net, since
 * no log line is meant to carry a secret or a request's payload in the first place.
 */
const REDACTED = ["token", "*.token", "key", "*.key", "authorization", "*.authorization", "password", "*.password", "payload", "*.payload"];

/**
 * Builds the logger: JSON lines on stderr (written synchronously, so that nothing is lost when the
 * process ends), or on `destination` (tests capture lines with it).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): BatonLogger {
  const options = { level, name: "baton", base: { pid: process.pid }, redact: { paths: REDACTED, censor: "[redacted]" } };
  return destination === undefined ? pino(options, pino.destination({ fd: 2, sync: true })) : pino(options, destination);
}

/**
 * The old `log(message)` function of the parts that report in free text (the engine, the stores,
 * the compatibility layers), as structured lines: an error when the text says something failed,
 * information for a summary, a warning otherwise. The text stays the line's `msg`, without its "baton: " prefix.
 */
export function textLog(logger: BatonLogger): (message: string) => void {
  return (message) => {
    const msg = message.startsWith("baton: ") ? message.slice("baton: ".length) : message;
    // "0 failed" in a summary is no failure.
    if (/fail|could not|unexpected|error/i.test(msg.replace(/\b0 failed\b/g, ""))) logger.error(msg);
    // Summaries (the durable store's commits per flush at shutdown) are information.
    else if (/\bper flush\b/.test(msg)) logger.info(msg);
    else logger.warn(msg);
  };
}
