import * as net from "node:net";

/**
 * One TCP attempt: resolves with what answered once a connection to host:port is established
 * (and closes it at once), rejects with the socket's error, or after `timeoutMs`.
 */
export function probeTcp(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      const remote = `${socket.remoteAddress ?? host}:${socket.remotePort ?? port}`;
      socket.destroy();
      if (error === undefined) resolve(`connected to ${remote}`);
      else reject(error);
    };
    const onAbort = (): void => finish(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    const timer = setTimeout(() => finish(new Error(`no connection to ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once("connect", () => finish());
    socket.once("error", (error) => finish(error));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
