import { formatDuration } from "../duration.js";
import type { Subject } from "./explain.js";

const NAME_RULE = "use 1-256 characters of A-Z a-z 0-9 . _ : / @ -";

/**
 * The message for an argument the server refused (reason INVALID_ARGUMENT), naming the flag or
 * argument the user typed for the API field in `metadata.field`. Ranges come from `metadata.min`
 * and `metadata.max` (milliseconds for durations) when the server sends them, else from the
 * server's settings that bound them, with their defaults.
 */
export function invalidArgument(field: string | undefined, subject: Subject | undefined, metadata: Record<string, string>, serverMessage: string): string {
  if (subject === undefined) return `the server refused the request as invalid: ${serverMessage}`;
  const typed = subject.value === undefined ? subject.label : `${subject.label} ${JSON.stringify(subject.value)}`;
  const flag = subject.value === undefined ? subject.label : `${subject.label} ${subject.value}`;
  const range = (unit: "ms" | "", fallback: string): string => {
    const show = (v: string) => (unit === "ms" ? formatDuration(Number(v)) : v);
    return metadata.min !== undefined && metadata.max !== undefined ? `${show(metadata.min)} to ${show(metadata.max)}` : fallback;
  };
  switch (metadata.field ?? field) {
    case "name":
      return `${typed} is not a lock name: ${NAME_RULE}`;
    case "key":
      return `${typed} is not a key: ${NAME_RULE}`;
    case "prefix":
      return `${typed} is not a name prefix: ${NAME_RULE}`;
    case "owner":
      return `${flag} is not an owner: use printable text of at most 256 bytes`;
    case "token":
      return `${typed} is not a token: use the 32 hex digits that "baton acquire" printed (BATON_TOKEN)`;
    case "ttl_ms":
      return `${flag} is outside the TTLs the server allows (${range("ms", "the server's --min-ttl to --max-ttl: 100ms to 24h unless configured otherwise")})`;
    case "wait_ms":
      return `${flag} is longer than the server allows (${range("ms", "the server's --max-wait: 24h unless configured otherwise")})`;
    case "limit":
      return `${flag} is not allowed for this lock (${range("", "a lock has 1 to 100000 permits; one in a configured pool has the pool's")})`;
    default:
      return `${flag} was refused by the server: ${serverMessage}`;
  }
}
