import type { Cluster, Redis } from "ioredis";

/** What a store's event subscription is wired to. */
export interface SubscriptionHooks {
  /** One message of the channel. */
  onMessage(message: string): void;
  /** Events may have been missed (a reconnect): re-read what this instance waits for. */
  reread(): void;
  /** Whether the store is closed. */
  closed(): boolean;
  /** Maps a failed Redis call to the store's error. */
  call<T>(fn: () => Promise<T>): Promise<T>;
  onError(error: unknown): void;
}

/**
 * Subscribes a store to its events channel before it serves anything, and after every
 * reconnect of the subscriber (events published meanwhile are lost: the subscription is
 * confirmed, then the store re-reads) or of the command connection (the store re-reads).
 */
export async function subscribeEvents(sub: Redis | Cluster, client: Redis | Cluster, channel: string, hooks: SubscriptionHooks): Promise<void> {
  sub.on("message", (from: string, message: string) => {
    if (from === channel) hooks.onMessage(message);
  });
  await hooks.call(() => sub.subscribe(channel));
  let wasDown = false;
  sub.on("close", () => (wasDown = true));
  sub.on("ready", () => {
    if (!wasDown || hooks.closed()) return;
    wasDown = false;
    hooks.call(() => sub.subscribe(channel)).then(
      () => hooks.reread(),
      (error: unknown) => hooks.onError(error),
    );
  });
  client.on("ready", () => {
    if (!hooks.closed()) hooks.reread();
  });
}
