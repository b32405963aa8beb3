// Calls a Connect server-streaming RPC with a JSON request and prints each message as one line
// of JSON, then the end-of-stream message ({} on success, {"error":{…}} otherwise; exit status 1
// then). The framing comes from connect-es's own protocol modules. Usage:
//   scripts/connect-stream http://127.0.0.1:7070/baton.lock.v1.LockService/Wait '{"name":"deploy"}'
import { encodeEnvelope, transformSplitEnvelope } from "@connectrpc/connect/protocol";
import { contentTypeStreamJson, endStreamFlag, endStreamFromJson, errorToJson } from "@connectrpc/connect/protocol-connect";

const [url, body] = process.argv.slice(2);
if (url === undefined || body === undefined) {
  process.stderr.write("usage: scripts/connect-stream URL JSON\n");
  process.exit(2);
}
const response = await fetch(url, {
  method: "POST",
  headers: { "content-type": contentTypeStreamJson, "connect-protocol-version": "1" },
  body: encodeEnvelope(0, new TextEncoder().encode(body)),
});
if (response.body === null || !response.ok) {
  process.stdout.write((await response.text()) + "\n");
  process.exit(1);
}
const decoder = new TextDecoder();
for await (const envelope of transformSplitEnvelope(0xffffffff)(response.body)) {
  if ((envelope.flags & endStreamFlag) === endStreamFlag) {
    const end = endStreamFromJson(envelope.data);
    process.stdout.write(JSON.stringify(end.error === undefined ? {} : { error: errorToJson(end.error, undefined) }) + "\n");
    process.exit(end.error === undefined ? 0 : 1);
  }
  process.stdout.write(decoder.decode(envelope.data) + "\n");
}
process.exit(1);
