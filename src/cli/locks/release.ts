import { UsageError } from "../command.js";
import type { Invocation } from "../invocation.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";

/** `baton release NAME TOKEN`: gives a lease back. */
export const releaseCommand = defineCommand(
  {
    name: "release",
    summary: "give back a lease by its token (or end leases with --force)",
    args: [
      { name: "NAME", field: "name" },
      { name: "TOKEN", field: "token", optional: true },
    ],
    description: `Gives back the lease on the lock NAME that TOKEN (from "baton acquire") names.

With --force (and no TOKEN), ends the leases of NAME without their tokens, for a holder that is
gone for good: every lease, or the one with --fencing. It needs an API key with the admin scope
on a server with keys, and the server logs it as an audit line.`,
    flags: {
      force: { kind: "switch", help: "end the lease(s) without a token (admin)" },
      fencing: { kind: "text", value: "N", help: "with --force: only the lease with this fencing token", field: "fencing" },
      reason: { kind: "text", value: "TEXT", help: "with --force: why, for the audit line", field: "reason" },
      ...SERVER_FLAG,
    },
    notes: `Exit status: 0 when released; 1 when the token holds nothing (the lease expired, was released,
or the token is wrong) or on a server error; 2 for bad usage.`,
  },
  async (inv) => {
    const name = inv.arg("NAME")!;
    if (inv.switch("force")) return forceRelease(inv, name);
    if (inv.arg("TOKEN") === undefined) throw new UsageError("give TOKEN (from baton acquire), or --force to end the lease without it");
    const client = inv.lockClient();
    try {
      const fencing = await client.release({ name, token: inv.arg("TOKEN")! });
      inv.io.stdout.write(`released ${name} (fencing ${fencing})\n`);
      return 0;
    } catch (error) {
      throw inv.explain(error);
    } finally {
      client.close();
    }
  },
);

async function forceRelease(inv: Invocation, name: string): Promise<number> {
  if (inv.arg("TOKEN") !== undefined) throw new UsageError("--force ends leases without a token; give NAME only");
  const text = inv.text("fencing");
  if (text !== undefined && !/^\d+$/.test(text)) throw new UsageError(`--fencing ${text} is not a fencing token (a whole number)`);
  const client = inv.lockClient();
  try {
    const ended = await client.forceRelease(name, { fencing: text === undefined ? undefined : BigInt(text), reason: inv.text("reason") ?? "" });
    if (ended.length === 0) inv.io.stdout.write(`${name} was free; nothing released\n`);
    for (const lease of ended) inv.io.stdout.write(`force-released ${name} (owner ${lease.owner}, fencing ${lease.fencing})\n`);
    return 0;
  } catch (error) {
    throw inv.explain(error);
  } finally {
    client.close();
  }
}
