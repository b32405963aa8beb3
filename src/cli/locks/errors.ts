import { Code, ConnectError } from "@connectrpc/connect";
import { UsageError } from "../command.js";

/** Connect's code names (`failed_precondition`), as the API documents them. */
function codeName(code: Code): string {
  return (Code[code] ?? String(code)).replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : "_" + c)).toLowerCase();
}

/**
 * Turns a failed call into what the CLI prints: the server's own message and the code, or, when
 * the server cannot be reached, where the CLI looked and how to point it elsewhere. Bad input the
 * server refused (`invalid_argument`) is a UsageError, so it exits 2 like any other usage error.
 */
export function explain(error: unknown, url: string): Error {
  if (!(error instanceof ConnectError)) return error instanceof Error ? error : new Error(String(error));
  if (error.code === Code.InvalidArgument) return new UsageError(error.rawMessage);
  if (error.code === Code.Unavailable && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH/.test(error.rawMessage)) {
    return new Error(
      `cannot reach Baton at ${url} (${error.rawMessage}); start it with "baton serve", or point to it with --server URL or BATON_URL`,
    );
  }
  return new Error(`${error.rawMessage} (${codeName(error.code)})`);
}
