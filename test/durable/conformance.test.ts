import { afterAll } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { openRendezvousStore } from "../../src/store/rendezvous.js";
import { formatDurableSpec } from "../../src/store/durable/spec.js";
import { storeConformance } from "../conformance/store-conformance.js";
import { storeConformanceCompat } from "../conformance/store-conformance-compat.js";
import { storeConformanceClaims } from "../conformance/store-conformance-claims.js";
import { rendezvousStoreConformance } from "../rendezvous/conformance/rendezvous-store-conformance.js";
import { removeTempDirs, tempDir } from "./temp-dir.js";

afterAll(removeTempDirs);

for (const durability of ["full", "relaxed"] as const) {
  const factory = {
    open: () => openStore(formatDurableSpec(tempDir(), durability)),
    close: (store: { close(): Promise<void> }) => store.close(),
  };
  storeConformance(`durable (${durability})`, factory);
  storeConformanceCompat(`durable (${durability})`, factory);
  storeConformanceClaims(`durable (${durability})`, factory);
  rendezvousStoreConformance(`durable (${durability})`, {
    open: () => openRendezvousStore(formatDurableSpec(tempDir(), durability)),
    close: (store) => store.close(),
  });
}
