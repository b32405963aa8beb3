/**
 * The CPU cost of checking one call's key and scope, alone: what the auth interceptor adds to a
 * call besides building its request headers. Run: npx tsx bench/auth-check-cost.ts [keys] [calls]
 */
import { identify, requireScope } from "../src/server/auth/authorize.js";
import { KeyRing } from "../src/server/auth/key-ring.js";
import { hashApiKey, newApiKey } from "../src/server/auth/key-material.js";

const keyCount = Number(process.argv[2] ?? 10);
const calls = Number(process.argv[3] ?? 200_000);
const keys = Array.from({ length: keyCount }, () => newApiKey());
const ring = new KeyRing(keys.map((k, i) => ({ name: `k${i}`, sha256: hashApiKey(k), actions: ["acquire" as const], locks: ["team/"], rendezvous: undefined, limits: {} })));
const header = `Bearer ${keys[keyCount - 1]}`;
for (let i = 0; i < 20_000; i++) requireScope(identify(ring, header, undefined), "acquire", "locks", "team/x");
const start = process.hrtime.bigint();
for (let i = 0; i < calls; i++) requireScope(identify(ring, header, undefined), "acquire", "locks", "team/x");
const ns = Number(process.hrtime.bigint() - start) / calls;
console.log(`${keyCount} keys configured: ${(ns / 1000).toFixed(2)} µs per call to identify the key and check its scope`);
