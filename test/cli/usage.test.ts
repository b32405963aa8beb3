import { describe, expect, it } from "vitest";
import { lockCommands } from "../../src/cli/locks/index.js";
import { rendezvousCommands } from "../../src/cli/rendezvous/index.js";
import { electionCommands } from "../../src/cli/elections/index.js";
import { backupCommand, restoreCommand } from "../../src/cli/backup.js";
import { serveCommand } from "../../src/cli/serve.js";
import { flagLabel } from "../../src/cli/spec.js";
import { parseFlagDuration } from "../../src/duration.js";
import { baton } from "./in-process.js";

// Bad usage never reaches a server: every case here runs against a URL where nothing listens.
const nowhere = { url: "http://127.0.0.1:1" };
const commands = [...lockCommands, ...electionCommands, ...rendezvousCommands, backupCommand, restoreCommand];

describe("baton usage", () => {
  it("every command's --help lists each of its flags with its default", async () => {
    for (const command of commands) {
      const { spec } = command as typeof backupCommand;
      const help = await baton([command.name, "--help"], nowhere);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: baton ${command.name} `));
      for (const [name, flag] of Object.entries(spec.flags)) {
        const line = help.stdout.split("\n").find((l) => l.trimStart().startsWith(flagLabel(name, flag) + " "));
        expect(line, `${command.name} --${name}`).toBeDefined();
        if (flag.default !== undefined) expect(line).toContain(`(default: ${flag.default})`);
      }
      if (Object.values(spec.flags).some((f) => f.kind === "duration")) expect(help.stdout).toContain("A bare number is refused (write 30s or");
    }
  });

  it("baton --help lists every command with its own summary (those loaded on demand too)", async () => {
    const help = await baton(["--help"], nowhere);
    expect(help.code).toBe(0);
    for (const command of [serveCommand, ...commands]) {
      expect(help.stdout, command.name).toMatch(new RegExp(`\\n  ${command.name} +${command.summary.replace(/[()]/g, "\\$&")}\\n`));
    }
  });

  it("a bare number as a duration is refused, saying what to write; 0 is 0", () => {
    expect(() => parseFlagDuration("30", "--ttl")).toThrow("--ttl 30 has no unit: write 30s (or 30000ms)");
    expect(() => parseFlagDuration("1.5", "--wait")).toThrow("--wait 1.5 has no unit: write 1.5s (or 1500ms)");
    expect(parseFlagDuration("0", "--wait")).toBe(0);
    expect(parseFlagDuration("250ms", "--ttl")).toBe(250);
    expect(parseFlagDuration("1.5s", "--ttl")).toBe(1500);
    expect(parseFlagDuration("2m", "--ttl")).toBe(120_000);
  });

  it("names the mistake, then points at --help, and exits 2", async () => {
    const cases: Array<[string[], string]> = [
      [["lock"], "baton lock: NAME is missing: baton lock NAME [options] -- CMD [ARGS...]"],
      [["lock", "--", "true"], "baton lock: NAME is missing: baton lock NAME [options] -- CMD [ARGS...]"],
      [["lock", "x"], "baton lock: CMD is missing: baton lock NAME [options] -- CMD [ARGS...]"],
      [["lock", "x", "--"], "baton lock: CMD is missing: baton lock NAME [options] -- CMD [ARGS...]"],
      [["lock", "x", "make"], 'baton lock: put -- before the command to run ("make"): baton lock NAME [options] -- CMD [ARGS...]'],
      [["lock", "x", "--tll", "30s", "--", "true"], "baton lock: unknown option --tll; did you mean --ttl?"],
      [["lock", "x", "--gr", "1s", "--", "true"], "baton lock: unknown option --gr; did you mean --grace?"],
      [["lock", "x", "--bogus", "--", "true"], "baton lock: unknown option --bogus; see baton lock --help for its options"],
      [["lock", "x", "--ttl", "30", "--", "true"], "baton lock: --ttl 30 has no unit: write 30s (or 30000ms)"],
      [["lock", "x", "--ttl", "5q", "--", "true"], 'baton lock: --ttl: "5q" is not a duration; write e.g. 500ms, 20s, 5m or 1h'],
      [["lock", "x", "--ttl"], "baton lock: --ttl needs a value: --ttl DUR"],
      [["lock", "x", "--owner", "--quiet", "--", "true"], "baton lock: --owner needs a value before --quiet: --owner TEXT"],
      [["acquire", "x", "--limit", "0"], "baton acquire: --limit 0 is not a whole number of at least 1"],
      [["acquire", "x", "-t", "5s"], "baton acquire: unknown option -t; did you mean --ttl?"],
      [["describe"], "baton describe: NAME is missing: baton describe NAME [options]"],
      [["describe", "x", "y"], 'baton describe: unexpected argument "y": baton describe NAME [options]'],
      [["describe", "x", "--json=yes"], "baton describe: --json takes no value (write --json, not --json=yes)"],
      [["describe", "x", "--server", "ftp://example.com"], 'baton describe: --server "ftp://example.com" must start with http:// or https://'],
      [["release", "x"], "baton release: give TOKEN (from baton acquire), or --force to end the lease without it"],
      [["watch", "x", "--prefix", "y"], "baton watch: give NAME or --prefix, not both"],
      [["arrive", "k"], "baton arrive: --parties N is missing: baton arrive KEY --parties N [options]"],
      [["wait", "k", "--timeout", "10"], "baton wait: --timeout 10 has no unit: write 10s (or 10000ms)"],
      [["signal", "k", "--payload", "a", "--payload-file", "f"], "baton signal: give --payload or --payload-file, not both"],
      [["ready", "ftp://x"], 'baton ready: "ftp://x": unknown probe ftp:; write tcp://HOST:PORT, postgres://DATABASE or http(s)://HOST/PATH'],
      [["backup"], "baton backup: --to FILE is missing: baton backup --to FILE [options]"],
    ];
    for (const [args, message] of cases) {
      const result = await baton(args, nowhere);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 2, stderr: `${message}\n(see baton ${args[0]} --help)\n` });
    }
  });

  it("an unknown command suggests the closest one; no command prints the help and exits 2", async () => {
    const typo = await baton(["lokc"], nowhere);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^baton: unknown command "lokc"; did you mean "lock"\?\n\nbaton: locks, semaphores/);
    const none = await baton([], nowhere);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain("Usage: baton <command> [options]");
  });

  it("--help after -- belongs to CMD; before it, to baton", async () => {
    const help = await baton(["lock", "x", "--help", "--", "true"], nowhere);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: baton lock NAME/) });
    const cmdHelp = await baton(["lock", "x", "--", "true", "--help"], nowhere);
    expect(cmdHelp.code).toBe(1);
    expect(cmdHelp.stderr).toContain("cannot reach a Baton server at http://127.0.0.1:1");
  });

  it("--version says which code runs", async () => {
    const version = await baton(["--version"], nowhere);
    expect(version).toEqual({ code: 0, stdout: expect.stringMatching(/^baton \d+\.\d+\.\d+ \(from the TypeScript sources\)\n$/), stderr: "" });
  });
});
