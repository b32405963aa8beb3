import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { callLog } from "../../src/server/logging/call-log.js";
import { routeOf } from "../../src/server/logging/http-log.js";
import { createLogger, textLog } from "../../src/server/logging/logger.js";
import { requestIdFrom } from "../../src/server/logging/request-id.js";
import { logSecurityEvent } from "../../src/server/logging/security.js";

function capture(level: "info" | "warn" = "info") {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), raw: lines };
}

const call = { service: "baton.lock.v1.LockService", method: "Acquire", protocol: "grpc", streaming: false, requestId: "rid-1", startedAt: 0 };

describe("log lines", () => {
  it("logs refused credentials as security events, and server faults as errors", () => {
    const { logger, parsed } = capture();
    const observer = callLog(logger, { accessLog: false });
    observer.finished(call, { code: "unauthenticated", error: new ConnectError("no key", Code.Unauthenticated), durationMs: 1.23456, opened: false });
    observer.finished(call, { code: "internal", error: new ConnectError("boom", Code.Internal), durationMs: 2, opened: false });
    observer.finished(call, { code: "ok", error: undefined, durationMs: 1, opened: false });
    const [refused, fault, ...rest] = parsed();
    expect(refused).toMatchObject({ level: 40, event: "security", code: "unauthenticated", method: "Acquire", requestId: "rid-1", durationMs: 1.235 });
    expect(fault).toMatchObject({ level: 50, event: "call_failed", code: "internal" });
    // Not the error's text: it may quote the request.
    expect(JSON.stringify(refused)).not.toContain("no key");
    expect(rest).toEqual([]);
  });

  it("writes security events with their kind and censors secret-named fields as a safety net", () => {
    const { logger, parsed, raw } = capture();
    logSecurityEvent(logger, { kind: "force_release", keyName: "ops", reason: "admin", detail: { token: "0123456789abcdef0123456789abcdef" } });
    logger.info({ authorization: "Bearer sk-live", payload: "hello" }, "careless");
    expect(parsed()[0]).toMatchObject({ event: "security", kind: "force_release", keyName: "ops", token: "[redacted]", msg: "security: force_release" });
    expect(raw.join("")).not.toMatch(/0123456789abcdef|sk-live|hello/);
  });

  it("keeps sane request ids and replaces the rest", () => {
    expect(requestIdFrom("abc-DEF_1.2:3/4+5=")).toBe("abc-DEF_1.2:3/4+5=");
    for (const bad of [undefined, null, "", "a b", "x".repeat(129), "new\nline", '{"json":1}']) expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("logs only the first segment of a plain HTTP path", () => {
    expect(routeOf("/locker/lock/secret-name?token=abc")).toBe("/locker");
    expect(routeOf("/healthz")).toBe("/healthz");
    expect(routeOf(undefined)).toBe("/");
  });

  it("gives free-text lines a level by what they say: failures are errors, summaries information", () => {
    const { logger, parsed } = capture();
    const log = textLog(logger);
    log("baton: durable store: 12 commits carried 40 operations (3.3 per flush), 0 failed");
    log("baton: durable store: 12 commits carried 40 operations (3.3 per flush), 2 failed");
    log("baton: release on session end failed: boom");
    log("baton: no keys configured and listening beyond loopback");
    expect(parsed().map((l) => [l.level, l.msg])).toEqual([
      [30, "durable store: 12 commits carried 40 operations (3.3 per flush), 0 failed"],
      [50, "durable store: 12 commits carried 40 operations (3.3 per flush), 2 failed"],
      [50, "release on session end failed: boom"],
      [40, "no keys configured and listening beyond loopback"],
    ]);
  });
});
