import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AdminService } from "../../../gen/baton/admin/v1/admin_pb.js";
import { LockService } from "../../../gen/baton/lock/v1/lock_service_pb.js";

/**
 * connect-web's own transport over fetch (Connect protocol, binary): framing, end-stream and
 * errors are the library's, and the messages are typed by the same generated descriptors the
 * server uses. Relative to the page's own origin, so it works behind a proxy that serves Baton.
 */
const transport = createConnectTransport({ baseUrl: location.origin, useBinaryFormat: true });

/** LockService: the page follows Watch. */
export const lockClient = createClient(LockService, transport);

/** AdminService: the Overview stream and LockHistory. */
export const adminClient = createClient(AdminService, transport);
