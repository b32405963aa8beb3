// Bundles the live page (src/server/web/page/) into dist/server/web/assets/app.{js,css} with the
// same esbuild settings the server uses when it runs from source (src/server/web/bundle.ts).
// Runs after tsc, as part of `npm run build`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const { bundlePage, BUILT_ASSETS } = await import(new URL("../dist/server/web/bundle.js", import.meta.url).href);
const { js, css } = await bundlePage();
mkdirSync(BUILT_ASSETS, { recursive: true });
writeFileSync(join(BUILT_ASSETS, "app.js"), js);
writeFileSync(join(BUILT_ASSETS, "app.css"), css);
console.log(`live page: app.js ${(js.length / 1024).toFixed(0)} KiB, app.css ${(css.length / 1024).toFixed(0)} KiB`);
