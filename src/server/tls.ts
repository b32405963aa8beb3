import { readFileSync } from "node:fs";
import * as tls from "node:tls";
import { notePeer } from "./auth/peer.js";

/** The TLS files of the config: certificate chain and key (PEM), and the CA of client certificates (mTLS). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** "" for no mTLS. */
  clientCaFile: string;
}

/** The TLS files the config names, or undefined when it serves cleartext. */
export function tlsFilesOf(config: { tlsCert: string; tlsKey: string; tlsClientCa: string }): TlsFiles | undefined {
  if (config.tlsCert === "") return undefined;
  return { certFile: config.tlsCert, keyFile: config.tlsKey, clientCaFile: config.tlsClientCa };
}

/** Reads the files into a secure context's options; throws an error naming the file that failed. */
export function secureOptions(files: TlsFiles): tls.SecureContextOptions {
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`${what} ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const options: tls.SecureContextOptions = { cert: read("--tls-cert", files.certFile), key: read("--tls-key", files.keyFile) };
  if (files.clientCaFile !== "") options.ca = read("--tls-client-ca", files.clientCaFile);
  // Fails here (on start or reload) rather than on the first handshake: a key that does not match the certificate, bad PEM.
  tls.createSecureContext(options);
  return options;
}

/**
 * A TLS server for the one port: HTTP/2 by ALPN, HTTP/1.1 otherwise. With a client CA, clients
 * are asked for a certificate: one the CA signed names the caller by its CN; one it did not sign
 * ends the connection; none at all is allowed (the caller may present an API key instead).
 */
export function createTlsServer(files: TlsFiles, onSocket: (socket: tls.TLSSocket, h2: boolean) => void): tls.Server {
  const mtls = files.clientCaFile !== "";
  const server = tls.createServer({ ...secureOptions(files), ALPNProtocols: ["h2", "http/1.1"], requestCert: mtls, rejectUnauthorized: false });
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    if (mtls && !notePeer(socket)) return void socket.destroy();
    onSocket(socket, socket.alpnProtocol === "h2");
  });
  // A failed handshake (a scanner, a client that distrusts the certificate) is the client's problem.
  server.on("tlsClientError", (_error, socket) => socket.destroy());
  return server;
}

/** Loads the files again (SIGHUP) into a running server; throws, changing nothing, if they do not load. */
export function reloadTls(server: tls.Server, files: TlsFiles): void {
  server.setSecureContext(secureOptions(files));
}
