import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { startCompatServer, type CompatServer } from "./compat-server.js";

/**
 * The Locker Concourse resource (locker-resource's `assets/check`, `in` and `out` of the seed's
 * era), driven as Concourse drives it: the request JSON on stdin, the result JSON on stdout. The
 * scripts below are written for this test from reading the originals and send the same requests
 * the same way (`curl -fsS` with `-u` for credentials, `jq` to read the answers); only the retry
 * sleep is shorter than the original's 30 s. One deviation: the original's `out` retries when
 * curl's error text says "423 Locked", which curl stopped printing (the reason phrase) in 7.75;
 * this one greps "error: 423". Baton still sends the reason phrase (see locker.test.ts).
 */

const COMMON = `
set -e
request=$(cat)
uri=$(jq -r '.source.locker_uri // ""' <<< "$request")
username=$(jq -r '.source.username // ""' <<< "$request")
password=$(jq -r '.source.password // ""' <<< "$request")
pool=$(jq -r '.source.lock_pool // ""' <<< "$request")
lock=$(jq -r '.params.lock_with // ""' <<< "$request")
operation=$(jq -r '.params.lock_op // ""' <<< "$request")
auth=()
if [[ -n $username && -n $password ]]; then auth=(-u "$username:$password"); fi
http_req() { local path=$1; shift; curl -fsS "\${auth[@]}" "$uri$path" "$@" 2>&1; }
version_ref() { http_req /locks | sha1sum | cut -d ' ' -f1; }
`;

const CHECK = `${COMMON}
jq -n --arg ref "$(version_ref)" '[{ref: $ref}]'
`;

const IN = `${COMMON}
destination=$1
mkdir -p "$destination"
last_ref=$(jq -r '.version.ref // ""' <<< "$request")
locks=$(http_req /locks)
current=$(jq -r --arg pool "$pool" '.[$pool]' <<< "$locks")
if [[ -n $current ]]; then locked=true; else locked=false; fi
echo "$current" > "$destination/lock"
jq -n --arg ref "$last_ref" --arg pool "$pool" --argjson locked $locked '{version: {ref: $ref}, metadata: [{pool: $pool}, {locked: $locked}]}'
`;

const OUT = `${COMMON}
case $operation in lock) method=PUT ;; unlock) method=DELETE ;; *) echo "bad lock_op" >&2; exit 1 ;; esac
body="{\\"lock\\":\\"$lock\\"}"
set +e
out=$(http_req "/lock/$pool" -X $method -d "$body"); rc=$?
while [[ $operation == lock ]] && grep -q "error: 423" <<< "$out"; do
  echo "$pool is locked, trying again in 0.1s" >&2
  sleep 0.1
  out=$(http_req "/lock/$pool" -X $method -d "$body"); rc=$?
done
set -e
if [[ $rc != 0 ]]; then echo "$out" >&2; exit 1; fi
jq --arg ref "$(version_ref)" --arg pool "$pool" '{version: {ref: $ref}, metadata: [{name: "lock", value: $pool}, {name: "status", value: (. | tojson)}]}' <<< "$out"
`;

const run = promisify(execFile);
const haveTools = (await Promise.all(["curl", "jq", "bash", "sha1sum"].map((t) => run("sh", ["-c", `command -v ${t}`]).then(() => true, () => false)))).every(Boolean);
if (!haveTools) console.warn("\n*** locker-resource.test.ts: bash, curl, jq or sha1sum is missing, so the resource flows were NOT replayed ***\n");

let server: CompatServer;
let dir: string;
afterEach(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Runs one resource script as Concourse does; resolves with its parsed stdout, rejects with its stderr (also fed to `onLog`). */
function resource(script: string, request: unknown, args: string[] = [], onLog: (text: string) => void = () => undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script, "resource", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      onLog(stderr);
    });
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`exit ${code}: ${stderr}`))));
    child.stdin.end(JSON.stringify(request));
  });
}

describe("the Locker Concourse resource against Baton", () => {
  it.skipIf(!haveTools)("checks, locks, re-locks (423, retried), reads and unlocks prod-deployments", async () => {
    server = await startCompatServer({ compat: { locker: { auth: { user: "concourse", password: "s3cret" } } } });
    dir = await mkdtemp(join(tmpdir(), "baton-locker-resource-"));
    const source = { locker_uri: `${server.url}/locker`, username: "concourse", password: "s3cret", lock_pool: "prod-deployments" };

    const [first] = (await resource(CHECK, { source })) as { ref: string }[];
    const locked = (await resource(OUT, { source, params: { lock_op: "lock", lock_with: "prod-cloudfoundry" } })) as {
      version: { ref: string };
      metadata: { name: string; value: string }[];
    };
    expect(locked.metadata).toEqual([
      { name: "lock", value: "prod-deployments" },
      { name: "status", value: `{"response":"lock for prod-deployments acquired by prod-cloudfoundry"}` },
    ]);
    expect(locked.version.ref).not.toBe(first!.ref);
    expect(await resource(CHECK, { source })).toEqual([{ ref: locked.version.ref }]);

    expect(await resource(IN, { source, version: locked.version, params: {} }, [join(dir, "get")])).toEqual({
      version: locked.version,
      metadata: [{ pool: "prod-deployments" }, { locked: true }],
    });
    expect(await readFile(join(dir, "get", "lock"), "utf8")).toBe("prod-cloudfoundry\n");

    // A second run of the same job asks with the same lock value: it must wait its turn (423, retried).
    let secondDone = false;
    let secondLog = "";
    const second = resource(OUT, { source, params: { lock_op: "lock", lock_with: "prod-cloudfoundry" } }, [], (text) => (secondLog = text)).then((r) => {
      secondDone = true;
      return r;
    });
    await eventually(() => expect(secondLog.split("is locked, trying again").length).toBeGreaterThan(3));
    expect(secondDone).toBe(false);
    expect((await server.engine.describe("prod-deployments")).holders).toHaveLength(1);

    await resource(OUT, { source, params: { lock_op: "unlock", lock_with: "prod-cloudfoundry" } });
    await second;
    expect((await server.engine.describe("prod-deployments")).holders.map((h) => h.owner)).toEqual(["prod-cloudfoundry"]);
    const unlocked = (await resource(OUT, { source, params: { lock_op: "unlock", lock_with: "prod-cloudfoundry" } })) as { version: unknown };

    // The released pool is listed with an empty owner: the lock file is empty and locked is false.
    expect(await resource(IN, { source, version: unlocked.version, params: {} }, [join(dir, "after")])).toEqual({
      version: unlocked.version,
      metadata: [{ pool: "prod-deployments" }, { locked: false }],
    });
    expect(await readFile(join(dir, "after", "lock"), "utf8")).toBe("\n");

    // Another pipeline's unlock of a pool it does not hold fails the put.
    await resource(OUT, { source, params: { lock_op: "lock", lock_with: "prod-cloudfoundry" } });
    await expect(resource(OUT, { source, params: { lock_op: "unlock", lock_with: "staging" } })).rejects.toThrow(/error: 423/);
    expect((await server.engine.describe("prod-deployments")).holders.map((h) => h.owner)).toEqual(["prod-cloudfoundry"]);
  });
});
