import { describe, expect, it } from "vitest";
import { makeRandomCap } from "../src/random-cap.js";

const rnd = makeRandomCap();
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe("makeRandomCap", () => {
  it("fills integer typed arrays in place and returns them", () => {
    const a = new Uint8Array(64);
    expect(rnd.getRandomValues(a)).toBe(a);
    expect(a.some((b) => b !== 0)).toBe(true); // all zero has probability 2^-512
    const big = new BigUint64Array(4);
    rnd.getRandomValues(big);
    expect(big.some((b) => b !== 0n)).toBe(true);
    expect(rnd.getRandomValues(new Uint8Array(65536)).length).toBe(65536);
  });

  it("invariant 3: more than 65536 bytes is refused", () => {
    expect(codeOf(() => rnd.getRandomValues(new Uint8Array(65537)))).toBe("RANDOM_TOO_LARGE");
    expect(codeOf(() => rnd.getRandomValues(new Uint32Array(16385)))).toBe("RANDOM_TOO_LARGE");
  });

  it("invariant 2: only genuine integer typed arrays are accepted", () => {
    const fake = { [Symbol.toStringTag]: "Uint8Array", length: 4, byteLength: 4 };
    const proxied = new Proxy(new Uint8Array(4), {});
    for (const bad of [
      new Float64Array(2),
      new DataView(new ArrayBuffer(4)),
      fake,
      proxied,
      [1, 2],
      "abcd",
      null,
    ]) {
      expect(codeOf(() => rnd.getRandomValues(bad as unknown as Uint8Array))).toBe(
        "RANDOM_INVALID_ARRAY",
      );
    }
    // A typed array lying about its size is measured by its internal slot.
    const liar = new Uint8Array(70000);
    Object.defineProperty(liar, "byteLength", { value: 1 });
    expect(codeOf(() => rnd.getRandomValues(liar))).toBe("RANDOM_TOO_LARGE");
  });

  it("random() is in [0, 1) and varies; randomUUID is a v4 UUID", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i += 1) {
      const x = rnd.random();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      seen.add(x);
    }
    expect(seen.size).toBeGreaterThan(9990);
    const ids = new Set(Array.from({ length: 100 }, () => rnd.randomUUID()));
    expect(ids.size).toBe(100);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("gives a cell randomness that SES took away", () => {
    const c = new Compartment({ globals: { rnd }, __options__: true });
    expect(
      c.evaluate(
        "(() => { try { Math.random(); return 'present'; } catch { return 'tamed'; } })()",
      ),
    ).toBe("tamed");
    expect(c.evaluate("rnd.getRandomValues(new Uint8Array(8)).length")).toBe(8);
  });
});
