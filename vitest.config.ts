import { defineConfig } from "vitest/config";

// Tests open real sockets and spawn real processes; run files in forks so a crash stays contained,
// and give socket-level tests room on a 2-core machine.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
