import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
const required = process.env.BATON_REQUIRE_PYTHON === "1";

/** What the Python client's suite needs that is missing here, or undefined when all is there. */
function missingToolchain(): string | undefined {
  try {
    execFileSync(PYTHON, ["-c", "import grpc, google.protobuf, pytest"], { stdio: "pipe" });
    return undefined;
  } catch (error) {
    return `${PYTHON} with grpcio, protobuf and pytest (${String((error as { stderr?: Buffer }).stderr ?? error).trim().split("\n").pop()})`;
  }
}

const missing = missingToolchain();
if (missing !== undefined) {
  console.warn(
    `\n*** The Python client's tests did NOT run: no ${missing}. Install Debian's python3-grpcio python3-protobuf ` +
      "python3-pytest (and protobuf-compiler protobuf-compiler-grpc python3-mypy for all of them)" +
      (required ? "; BATON_REQUIRE_PYTHON=1 makes this a failure." : ".") + " ***\n",
  );
}

/** Runs clients/python/test.sh (its own baton serve, pytest against it); resolves with its exit code and output. */
function runSuite(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["clients/python/test.sh", "-q", "-rfEs"], { cwd: ROOT, env: { ...process.env, PYTHON }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

/** The Python client (clients/python), tested by its own pytest suite against a real server. */
describe.runIf(missing === undefined || required)("the Python client", () => {
  it("passes clients/python/test.sh", { timeout: 600_000 }, async () => {
    expect(missing, `the Python toolchain is required (BATON_REQUIRE_PYTHON=1): ${missing}`).toBeUndefined();
    const { code, output } = await runSuite();
    const summary = output.trim().split("\n").slice(-25).join("\n");
    console.log(`clients/python/test.sh:\n${summary}`);
    expect(code, `clients/python/test.sh failed:\n${output.slice(-6000)}`).toBe(0);
  });
});
