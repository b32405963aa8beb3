// Writes docs/configuration.md from the config schema (src/config/schema.ts). Run through tsx:
// `npm run docs:config`. test/config/reference.test.ts fails when the committed file differs.
import { writeFileSync } from "node:fs";
import { configurationReference } from "../src/config/reference.js";

const target = new URL("../docs/configuration.md", import.meta.url);
writeFileSync(target, configurationReference());
process.stdout.write(`wrote ${target.pathname}\n`);
