import { kind, Problem, quote, type Kind } from "../../config/kinds.js";

/** A listen address as `HOST:PORT` names it (`[::1]:9090` for IPv6). */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Reads `HOST:PORT` (`127.0.0.1:9464`, `[::1]:9464`, `:9464` for every interface); throws an
 * Error saying what is wrong. The empty text means "off" and is not an address.
 */
export function parseListenAddress(value: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (match === null) throw new Error(`"${value}" is not HOST:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)`);
  const host = match[1] ?? match[2] ?? "";
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`port ${port} is above 65535`);
  return { host: host === "" ? "0.0.0.0" : host, port };
}

/** The kind of `metricsListen`: HOST:PORT, or `off` (also empty) for none; the value is "" when off. */
export function listenAddressKind(): Kind<string> {
  return kind({
    accepts: "HOST:PORT (e.g. 127.0.0.1:9464), or off",
    placeholder: "HOST:PORT",
    show: (value) => (value === "" ? "off" : value),
    read(value) {
      if (typeof value !== "string") return new Problem(`${quote(value)} is not HOST:PORT`);
      const text = value.trim();
      if (text === "" || text === "off") return "";
      try {
        parseListenAddress(text);
      } catch (error) {
        return new Problem((error as Error).message);
      }
      return text;
    },
  });
}
