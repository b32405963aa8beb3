import { lockPath, RendezvousService, type ListJson, type LockInfoJson, type RendezvousListJson } from "./api.js";
import { JsonLockClient } from "./clients/json-client.js";

/**
 * Checks of a server's state after a run, over plain Connect JSON so they depend on nothing the
 * run could have broken in a client.
 */

/** Every lock under `prefix`, all pages. */
export async function listLocks(url: string, prefix: string): Promise<LockInfoJson[]> {
  const client = new JsonLockClient(url);
  try {
    const locks: LockInfoJson[] = [];
    let pageToken = "";
    do {
      const page = (await client.post(lockPath("List"), { prefix, pageSize: 500, pageToken }, 10_000)) as ListJson;
      locks.push(...(page.locks ?? []));
      pageToken = page.nextPageToken ?? "";
    } while (pageToken !== "");
    return locks;
  } finally {
    client.close();
  }
}

function describeBusy(locks: LockInfoJson[]): string {
  const busy = locks.filter((l) => (l.holders?.length ?? 0) > 0 || (l.waiters?.length ?? 0) > 0);
  return busy
    .slice(0, 5)
    .map((l) => `${l.name}: holders [${(l.holders ?? []).map((h) => h.owner).join(", ")}], ${l.waiters?.length ?? 0} waiters`)
    .join("; ") + (busy.length > 5 ? `; … ${busy.length} locks in all` : "");
}

/**
 * Waits until no lock under `prefix` is held or waited for (queues drained, leases released or
 * expired); resolves with a problem description if that has not happened within `boundMs`.
 */
export async function drained(url: string, prefix: string, boundMs: number): Promise<string | undefined> {
  const deadline = Date.now() + boundMs;
  let last = "";
  for (;;) {
    try {
      const locks = await listLocks(url, prefix);
      last = describeBusy(locks);
      if (last === "") return undefined;
    } catch (error) {
      last = `List failed: ${String(error)}`;
    }
    if (Date.now() > deadline) return `stuck ${boundMs} ms after the run ended: ${last}`;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What rendezvous state is left under `prefix`: keys waited for and barriers gathering. */
export async function rendezvousLeftovers(url: string, prefix: string): Promise<string | undefined> {
  const client = new JsonLockClient(url);
  try {
    const list = (await client.post(`/${RendezvousService.typeName}/List`, { prefix }, 10_000)) as RendezvousListJson;
    const left = [...(list.waiting ?? []), ...(list.barriers ?? [])];
    return left.length === 0 ? undefined : `rendezvous state left: ${JSON.stringify(left).slice(0, 400)}`;
  } catch (error) {
    return `rendezvous List failed: ${String(error)}`;
  } finally {
    client.close();
  }
}

/** A normal acquire and release of a fresh lock; resolves with a problem description if either fails. */
export async function acquireReleaseWorks(url: string, name: string, ttlMs = 5000): Promise<string | undefined> {
  const client = new JsonLockClient(url);
  try {
    const grant = await client.acquire(name, { owner: "chaos-check", ttlMs, waitMs: 5000 });
    await client.release(name, grant.token);
    return undefined;
  } catch (error) {
    return `a normal acquire/release of ${name} failed: ${String(error)}`;
  } finally {
    client.close();
  }
}
