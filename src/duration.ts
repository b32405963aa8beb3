/** Units a duration may carry on the command line or in the config file. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Reads "500ms", "20s", "5m", "1h" (or a bare number of milliseconds) as milliseconds.
 * Throws an Error naming `what` when the text is not a duration.
 */
export function parseDuration(text: string | number, what: string): number {
  if (typeof text === "number") {
    if (Number.isSafeInteger(text) && text >= 0) return text;
    throw new Error(`${what}: ${text} is not a whole, non-negative number of milliseconds`);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  const unit = UNITS[match?.[2] ?? "ms"];
  if (match === null || unit === undefined) {
    throw new Error(`${what}: "${text}" is not a duration; write e.g. 500ms, 20s, 5m or 1h`);
  }
  const ms = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(ms)) throw new Error(`${what}: "${text}" is too long`);
  return ms;
}

/** Writes milliseconds the way people read them: 1500 → "1.5s", 120000 → "2m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${+(ms / 3_600_000).toFixed(1)}h`;
}

/**
 * Reads a duration typed on the command line: like `parseDuration`, but a bare number other than
 * 0 is refused, because `--ttl 30` could mean 30 seconds as well as 30 milliseconds. The message
 * says what to write instead; `flag` names the option ("--ttl").
 */
export function parseFlagDuration(text: string, flag: string): number {
  const bare = /^\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (bare !== null && Number(bare[1]) !== 0) {
    const asMs = Number(bare[1]) * 1000;
    const ms = Number.isSafeInteger(asMs) ? ` (or ${asMs}ms)` : "";
    throw new Error(`${flag} ${text.trim()} has no unit: write ${bare[1]}s${ms}`);
  }
  return parseDuration(text, flag);
}
