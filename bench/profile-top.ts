import { readFileSync } from "node:fs";

/** The parts of a V8 .cpuprofile (node --cpu-prof) that self time needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code comes from: an npm package, Node's internals, Baton's own file, or V8. */
function origin(url: string): string {
  if (url === "") return "(native / V8)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return "node:" + url.slice(5).split("/")[0];
  const own = /\/dist\/(.*)$/.exec(url);
  return own ? `baton ${own[1]!.split("/").slice(0, -1).join("/") || "."}` : url;
}

/** "function file:line", with paths cut to what follows node_modules/ or dist/. */
function frameKey(frame: { functionName: string; url: string; lineNumber: number }): string {
  const where = frame.url === "" ? "" : ` ${frame.url.replace(/^.*\/(node_modules|dist)\//, "$1/")}:${frame.lineNumber + 1}`;
  return `${frame.functionName || "(anonymous)"}${where}`;
}

/**
 * Prints the top frames and origins by self time, and the top frames by total time (self and
 * callees), of one or more CPU profiles: `node dist-bench/bench/profile-top.js
 * /tmp/prof/*.cpuprofile [N]`. "(idle)" is time the thread waited for work; the shares of busy
 * time leave it out.
 */
function main(args: string[]): void {
  const top = /^\d+$/.test(args.at(-1) ?? "") ? Number(args.pop()) : 25;
  const byFrame = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  const total = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const file of args) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    profile.samples.forEach((id, i) => {
      const frame = nodes.get(id)!;
      const us = profile.timeDeltas[i] ?? 0;
      if (frame.functionName === "(idle)") return void (idleUs += us);
      busyUs += us;
      const key = frameKey(frame);
      byFrame.set(key, (byFrame.get(key) ?? 0) + us);
      // Total time: every function on the sample's stack, once (recursion counts once).
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(frameKey(nodes.get(at)!));
      for (const k of seen) total.set(k, (total.get(k) ?? 0) + us);
      byOrigin.set(origin(frame.url), (byOrigin.get(origin(frame.url)) ?? 0) + us);
    });
  }
  const print = (title: string, map: Map<string, number>, column = "self ms"): void => {
    console.log(`\n| ${title} | ${column} | % of busy |\n|---|---:|---:|`);
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| \`${key}\` | ${(us / 1000).toFixed(0)} | ${((100 * us) / busyUs).toFixed(1)} |`);
  };
  console.log(`busy ${(busyUs / 1000).toFixed(0)} ms, idle ${(idleUs / 1000).toFixed(0)} ms`);
  print("frame", byFrame);
  print("origin", byOrigin);
  total.delete("(root)");
  print("frame", total, "total ms (self and callees)");
}

main(process.argv.slice(2));
