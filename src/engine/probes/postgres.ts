import pg from "pg";

/** The placeholders a DSN template may use for the database: `{db}`, or web-rendezvous's `{{.}}`. */
const PLACEHOLDER = /\{db\}|\{\{\.\}\}/g;

/** Whether a DSN template is a postgres:// URL with a database placeholder; an Error says why not. */
export function checkDsnTemplate(template: string): string {
  if (!/^postgres(ql)?:\/\//.test(template)) throw new Error(`postgresDsn: "${redact(template)}" must start with postgres://`);
  if (template.match(PLACEHOLDER) === null) throw new Error(`postgresDsn: "${redact(template)}" has no {db} placeholder for the database name`);
  try {
    new URL(template.replace(PLACEHOLDER, "db"));
  } catch {
    throw new Error(`postgresDsn: "${redact(template)}" is not a valid URL once {db} is filled in`);
  }
  return template;
}

/**
 * One Postgres attempt: connects to the database the template names and runs `SELECT 1`.
 * Errors are the server's own words ("database "x" does not exist"); the DSN, which may hold a
 * password, never appears in them. The attempt ends by `timeoutMs` (plus a little) or the abort
 * whatever the driver does: pg's own timeouts do not cover every stage, and its `end()` can wait
 * forever on a connection that never came up, so nothing here waits for it.
 */
export async function probePostgres(template: string, database: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const client = new pg.Client({
    connectionString: template.replace(PLACEHOLDER, encodeURIComponent(database)),
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A connection that fails after the attempt is over must not become an unhandled error.
  client.on("error", () => undefined);
  const attempt = (async () => {
    await client.connect();
    await client.query("SELECT 1");
  })();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const cutOff = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + GRACE_MS);
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([attempt, cutOff]);
    return `database ${JSON.stringify(database)} answered SELECT 1`;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new Error(error instanceof Error && error.message !== "" ? error.message : String(error));
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort!);
    // Whichever lost the race settles later, unheard.
    attempt.catch(() => undefined);
    cutOff.catch(() => undefined);
    void client.end().catch(() => undefined);
  }
}

/** How long past its own timeouts an attempt may take before it is given up regardless. */
const GRACE_MS = 500;

/** A DSN for messages: the password replaced by ***. */
export function redact(dsn: string): string {
  return dsn.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
}
