import type * as http2 from "node:http2";
import { Http2SessionManager } from "@connectrpc/connect-node";

const guarded = new WeakSet<http2.Http2Session>();

/**
 * connect-node's Http2SessionManager, made safe for a connection that fails after a call on it
 * failed. The manager takes its `error` listener off the HTTP/2 session once a request on it has
 * failed, but Node may still emit `error` on that session (it does for an HTTP/1.1-only server
 * answering our h2c preface: the stream fails first, the session after), and an `error` event
 * without a listener ends the process. The call already failed with that error, so the session's
 * copy only needs absorbing.
 */
export class GuardedSessionManager extends Http2SessionManager {
  override async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream> {
    const stream = await super.request(method, path, headers, options);
    const session = stream.session;
    if (session !== undefined && !guarded.has(session)) {
      guarded.add(session);
      session.on("error", () => {});
    }
    return stream;
  }
}
