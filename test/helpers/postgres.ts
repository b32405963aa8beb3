import pg from "pg";

/** The Postgres the tests administer (create and drop their own databases). */
export const ADMIN_DSN = process.env.BATON_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** The same server as a DSN template for Baton: `{db}` stands for the database a probe names. */
export const DSN_TEMPLATE = ADMIN_DSN.replace(/\/[^/?]*(\?|$)/, "/{db}$1");
/** CI sets BATON_REQUIRE_POSTGRES=1: an unreachable Postgres is then a failure, not a skip. */
export const POSTGRES_REQUIRED = process.env.BATON_REQUIRE_POSTGRES === "1";

/** Why Postgres cannot be used for the tests, or undefined when it answers `SELECT 1`. */
export async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_DSN, connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return error instanceof Error && error.message !== "" ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
