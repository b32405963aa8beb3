import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** The live page's script and stylesheet, bundled from page/main.ts and what it imports. */
export interface PageBundle {
  js: Buffer;
  css: Buffer;
  /** The same, gzipped once (the script shrinks from about 185 KiB to about 62). */
  jsGzip: Buffer;
  cssGzip: Buffer;
  /** Changes with the content, for conditional requests. */
  etag: string;
}

/** Where `npm run build` puts the bundle: beside the compiled server (dist/server/web/assets/). */
const BUILT = new URL("./assets/", import.meta.url);

/** The page's entry: beside this file when it runs from source, under src/ when from dist/. */
const ENTRIES = [new URL("./page/main.ts", import.meta.url), new URL("../../../src/server/web/page/main.ts", import.meta.url)];

let cached: Promise<PageBundle> | undefined;

/**
 * The bundle, made once per process: read from dist/ when `npm run build` made it, otherwise
 * bundled now with esbuild (the TypeScript sources run through tsx, which brings esbuild). A
 * failed bundle is not cached, so the next request tries again.
 */
export function pageBundle(): Promise<PageBundle> {
  cached ??= load().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function load(): Promise<PageBundle> {
  if (existsSync(new URL("app.js", BUILT))) {
    const [js, css] = await Promise.all([readFile(new URL("app.js", BUILT)), readFile(new URL("app.css", BUILT))]);
    return withTag(js, css);
  }
  const { js, css } = await bundlePage();
  return withTag(Buffer.from(js), Buffer.from(css));
}

/**
 * Bundles the page with esbuild: TypeScript, the generated descriptors, connect-web, protobuf-es
 * and uPlot (script and stylesheet) from node_modules, minified into one script and one
 * stylesheet. Nothing is fetched from elsewhere at run time.
 */
export async function bundlePage(): Promise<{ js: Uint8Array; css: Uint8Array }> {
  const entry = ENTRIES.find((url) => existsSync(url));
  if (entry === undefined) throw new Error("the live page's sources (src/server/web/page/main.ts) are missing; run `npm run build`");
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: { app: fileURLToPath(entry) },
    bundle: true,
    write: false,
    outdir: "/page-bundle",
    format: "iife",
    platform: "browser",
    target: ["chrome111", "firefox111", "safari16.4"],
    minify: true,
    legalComments: "eof",
    logLevel: "silent",
  });
  const file = (ext: string): Uint8Array => {
    const out = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (out === undefined) throw new Error(`esbuild made no ${ext} file`);
    return out.contents;
  };
  return { js: file(".js"), css: file(".css") };
}

function withTag(js: Buffer, css: Buffer): PageBundle {
  const etag = `"${createHash("sha256").update(js).update(css).digest("base64url").slice(0, 22)}"`;
  return { js, css, jsGzip: gzipSync(js, { level: 9 }), cssGzip: gzipSync(css, { level: 9 }), etag };
}

/** Where `npm run build` writes the bundle. */
export const BUILT_ASSETS = fileURLToPath(BUILT);
