import { describe, expect, it } from "vitest";
import { newToken, newWaiterId } from "../../src/store/token.js";

describe("tokens and waiter ids from the random pool", () => {
  it("are well-formed and never repeat, across many refills of the pool", () => {
    const tokens = new Set<string>();
    const ids = new Set<string>();
    // 20,000 of each spans ~150 refills of the 4 KiB pool, with both sizes interleaved.
    for (let i = 0; i < 20_000; i++) {
      const token = newToken();
      const id = newWaiterId();
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
      tokens.add(token);
      ids.add(id);
    }
    expect(tokens.size).toBe(20_000);
    expect(ids.size).toBe(20_000);
  });

  it("use every hex digit in every position, as random bytes do", () => {
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i++) [...newToken()].forEach((digit, at) => seen[at]!.add(digit));
    for (const digits of seen) expect(digits.size).toBe(16);
  });
});
