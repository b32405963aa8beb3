import type * as net from "node:net";
import type * as tls from "node:tls";

/** Where the listener leaves the CN of a client certificate the CA vouched for. */
const PEER_NAME = Symbol("baton.peerName");

/**
 * Called once per TLS connection: a client certificate signed by the configured client CA names
 * the caller by its subject CN. Returns false when the client presented a certificate that the CA
 * did not sign (the connection is then refused), true otherwise.
 */
export function notePeer(socket: tls.TLSSocket): boolean {
  const cert = socket.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) return true;
  if (!socket.authorized) return false;
  const cn = cert.subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (typeof name === "string" && name !== "") (socket as unknown as Record<symbol, string>)[PEER_NAME] = name;
  return true;
}

/** The caller a connection's client certificate names, if any (works on an HTTP/2 session's socket proxy too). */
export function peerName(socket: net.Socket | undefined): string | undefined {
  return socket === undefined ? undefined : (socket as unknown as Record<symbol, string | undefined>)[PEER_NAME];
}
