import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

// The Go client's suite (clients/go/test.sh: its own `baton serve`, then `go test -v ./...`) run
// as one test, so that `npm test` covers the Go client too. Without a Go toolchain it is skipped,
// loudly, unless BATON_REQUIRE_GO=1 (CI), where a missing toolchain is a failure.
const hasGo = spawnSync("go", ["version"], { stdio: "ignore" }).status === 0;
const required = process.env.BATON_REQUIRE_GO === "1";
if (!hasGo && !required) {
  console.warn(
    "\n*** SKIPPED: the Go client's tests (clients/go) need Go and Debian's grpc-go packages; see clients/go/README.md. " +
      "Set BATON_REQUIRE_GO=1 to make this a failure. ***\n",
  );
}

/** Runs a command from the repository root; resolves with its exit code and combined output. */
function run(command: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

describe.skipIf(!hasGo && !required)("Go client", () => {
  it("passes clients/go/test.sh against a real server", async () => {
    const { code, output } = await run("clients/go/test.sh");
    // Go's per-test lines, so the run shows what passed, failed or was skipped.
    const lines = output.split("\n").filter((l) => /^\s*(--- (PASS|FAIL|SKIP)|ok\s|FAIL|panic:|test\.sh:)/.test(l));
    console.log(lines.join("\n"));
    expect(code, `clients/go/test.sh failed:\n${output.slice(-10_000)}`).toBe(0);
  }, 600_000);
});
