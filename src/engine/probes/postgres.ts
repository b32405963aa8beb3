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
 * password, never appears in them.
 */
export async function probePostgres(template: string, database: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const client = new pg.Client({
    connectionString: template.replace(PLACEHOLDER, encodeURIComponent(database)),
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A connection that fails after the attempt is over must not become an unhandled error.
  client.on("error", () => undefined);
  const onAbort = (): void => void client.end().catch(() => undefined);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return `database ${JSON.stringify(database)} answered SELECT 1`;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new Error(error instanceof Error && error.message !== "" ? error.message : String(error));
  } finally {
    signal.removeEventListener("abort", onAbort);
    await client.end().catch(() => undefined);
  }
}

/** A DSN for messages: the password replaced by ***. */
export function redact(dsn: string): string {
  return dsn.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
}
