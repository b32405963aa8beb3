import { expect } from "vitest";
import type { Client } from "@connectrpc/connect";
import type { ElectionService, Leader } from "../../src/gen/baton/lock/v1/election_pb.js";
import { eventually } from "./eventually.js";

/** An Observe stream that collects what it is told: each entry a leader, or undefined for none. */
export function observe(client: Client<typeof ElectionService>, name: string) {
  const seen: (Leader | undefined)[] = [];
  const ctl = new AbortController();
  const done = (async () => {
    for await (const e of client.observe({ name }, { signal: ctl.signal })) seen.push(e.leader);
  })().catch(() => undefined);
  return {
    seen,
    /** Waits until the latest report matches. */
    async until(check: (leader: Leader | undefined) => boolean, timeoutMs = 5000): Promise<Leader | undefined> {
      await eventually(() => expect(seen.length > 0 && check(seen.at(-1))).toBe(true), timeoutMs);
      return seen.at(-1);
    },
    stop: async () => {
      ctl.abort();
      await done;
    },
  };
}
