import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ListResponse } from "../../gen/baton/rendezvous/v1/rendezvous_pb.js";
import { SERVER_FLAG, defineCommand } from "../spec.js";
import { rendezvousClient } from "./connect.js";

/** `baton keys`: what web-rendezvous's home page showed, on the terminal. */
export const keysCommand = defineCommand(
  {
    name: "keys",
    summary: "show keys waited for, set, timed out, and barriers gathering",
    args: [{ name: "PREFIX", optional: true, field: "prefix" }],
    description: `Shows the rendezvous state: keys someone waits for, keys that are set, keys whose waits
recently timed out, and barriers that are gathering (of keys starting with PREFIX).`,
    flags: {
      limit: { kind: "count", help: "at most N entries in each list, up to 1000", default: "100", field: "page_size" },
      json: { kind: "switch", help: "print the whole answer as JSON" },
      ...SERVER_FLAG,
    },
  },
  async (inv) => {
    try {
      const list = await rendezvousClient(inv.serverUrl(), inv.connection()).list({ prefix: inv.arg("PREFIX") ?? "", pageSize: inv.count("limit") ?? 0 });
      inv.io.stdout.write(inv.switch("json") ? JSON.stringify(listingJson(list)) + "\n" : listingText(list));
      return 0;
    } catch (error) {
      throw inv.explain(error);
    }
  },
);

function iso(ts: { seconds: bigint; nanos: number } | undefined): string {
  return ts === undefined ? "" : timestampDate(ts as Parameters<typeof timestampDate>[0]).toISOString();
}

function listingJson(list: ListResponse): Record<string, unknown> {
  return {
    waiting: list.waiting.map((w) => ({ key: w.key, waiters: w.waiters, since: iso(w.since), owners: w.owners })),
    set: list.set.map((s) => ({ key: s.key, payload: s.payload, owner: s.owner, signaledAt: iso(s.signaledAt), expiresAt: iso(s.expiresAt) || null })),
    timedOut: list.timedOut.map((t) => ({ key: t.key, at: iso(t.at), waitedMs: Number(t.waitedMs), owner: t.owner, count: t.count })),
    barriers: list.barriers.map((b) => ({ key: b.key, generation: Number(b.generation), arrived: b.arrived, parties: b.parties, owners: b.owners })),
  };
}

function listingText(list: ListResponse): string {
  const section = (title: string, lines: string[]) => `${title}:\n${lines.length === 0 ? "  (none)\n" : lines.map((l) => `  ${l}\n`).join("")}`;
  return [
    section("waiting", list.waiting.map((w) => `${w.key}  ${w.waiters} waiting since ${iso(w.since)} (${w.owners.join(", ")})`)),
    section("set", list.set.map((s) => `${s.key}  by ${s.owner} at ${iso(s.signaledAt)}${s.expiresAt ? ` until ${iso(s.expiresAt)}` : ""}  ${JSON.stringify(s.payload.slice(0, 60))}`)),
    section("timed out", list.timedOut.map((t) => `${t.key}  at ${iso(t.at)} after ${Number(t.waitedMs)} ms (${t.owner}; ${t.count}× recently)`)),
    section("barriers", list.barriers.map((b) => `${b.key}  ${b.arrived} of ${b.parties} arrived, generation ${b.generation} (${b.owners.join(", ")})`)),
  ].join("");
}
