import { MemoryStore } from "../src/store/memory/memory-store.js";
import { storeConformance } from "./conformance/store-conformance.js";

storeConformance("memory", {
  open: async () => new MemoryStore(),
  close: (store) => store.close(),
});
