import { createBatonClient, type LockInfo } from "../../client/index.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { listTable, lockJson } from "./format.js";

/** `baton list [PREFIX]`: every busy lock, as a table or JSON. */
export const listCommand = defineCommand(
  {
    name: "list",
    summary: "list the locks that are held or waited for",
    args: [{ name: "PREFIX", optional: true, field: "prefix" }],
    description: `Lists the locks that are held, waited for or reserved, by name; with PREFIX only those whose
name starts with it.`,
    flags: { json: { kind: "switch", help: "print a JSON array of locks" }, ...SERVER_FLAG },
  },
  async (inv) => {
    const client = createBatonClient(inv.serverUrl());
    try {
      const locks: LockInfo[] = [];
      for await (const lock of client.list(inv.arg("PREFIX") ?? "")) locks.push(lock);
      if (inv.switch("json")) inv.io.stdout.write(JSON.stringify(locks.map(lockJson)) + "\n");
      else if (locks.length === 0) inv.io.stderr.write("no locks are held, waited for or reserved\n");
      else inv.io.stdout.write(listTable(locks, inv.io.now()) + "\n");
      return 0;
    } catch (error) {
      throw inv.explain(error);
    } finally {
      client.close();
    }
  },
);
