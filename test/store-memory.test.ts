import { MemoryStore } from "../src/store/memory/memory-store.js";
import { storeConformance } from "./conformance/store-conformance.js";
import { storeConformanceCompat } from "./conformance/store-conformance-compat.js";
import { storeConformanceClaims } from "./conformance/store-conformance-claims.js";

storeConformance("memory", {
  open: async () => new MemoryStore(),
  close: (store) => store.close(),
});

storeConformanceClaims("memory", {
  open: async () => new MemoryStore(),
  close: (store) => store.close(),
});

storeConformanceCompat("memory", {
  open: async () => new MemoryStore(),
  close: (store) => store.close(),
});
