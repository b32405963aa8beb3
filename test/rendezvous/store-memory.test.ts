import { MemoryRendezvousStore } from "../../src/store/memory/rendezvous-memory.js";
import { rendezvousStoreConformance } from "./conformance/rendezvous-store-conformance.js";

rendezvousStoreConformance("memory", {
  open: async () => new MemoryRendezvousStore(),
  close: (store) => store.close(),
});
