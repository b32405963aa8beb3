import { hashApiKey, newApiKey } from "../server/auth/key-material.js";
import { UsageError } from "./command.js";
import { defineCommand } from "./spec.js";

const NAME = /^[A-Za-z0-9._@-]{1,128}$/;

/** `baton key new NAME`: a fresh API key, and the config lines that let it in (only its hash). */
export const keyCommand = defineCommand(
  {
    name: "key",
    summary: "make a new API key (baton key new NAME)",
    args: [
      { name: "new", field: "verb" },
      { name: "NAME", field: "name" },
    ],
    description: `Prints a fresh API key (256 random bits) for the caller NAME on stdout, and on stderr the
lines to paste under "keys:" in the server's config file. The file holds only the key's SHA-256;
the key itself is shown this once: hand it to the caller (as BATON_KEY, or --api-key), then send the
server SIGHUP to load the new config. Edit "actions" and the prefixes to what NAME needs.`,
    flags: {},
    notes: `See docs/security.md for scopes and limits.`,
  },
  async (inv) => {
    if (inv.arg("new") !== "new") throw new UsageError(`unknown key command "${inv.arg("new")}"; try: baton key new NAME`);
    const name = inv.arg("NAME")!;
    if (!NAME.test(name)) throw new UsageError(`NAME "${name}" must be 1-128 letters, digits, '.', '_', '@' or '-'`);
    const key = newApiKey();
    inv.io.stdout.write(`${key}\n`);
    inv.io.stderr.write(
      [
        `# Paste under "keys:" in the config file, then send the server SIGHUP:`,
        `  - name: ${name}`,
        `    sha256: ${hashApiKey(key)}`,
        `    actions: [acquire, read]`,
        `    # locks: ["${name}/"]        # lock-name prefixes; unset: every name`,
        `    # rendezvous: ["${name}/"]   # rendezvous-key prefixes; unset: every key`,
        `    # limits: { requestsPerSecond: 100, leases: 1000, waiters: 1000, streams: 1000 }`,
        "",
      ].join("\n"),
    );
    return 0;
  },
);
