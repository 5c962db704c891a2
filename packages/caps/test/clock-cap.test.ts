import { describe, expect, it } from "vitest";
import { makeClockCap } from "../src/clock-cap.js";

describe("makeClockCap", () => {
  it("gives a cell the time that SES took away", () => {
    const c = new Compartment({ globals: { clock: makeClockCap() }, __options__: true });
    // In a compartment Date.now is tamed (NaN or throws) ...
    expect(
      c.evaluate("(() => { try { return Number.isNaN(Date.now()); } catch { return true; } })()"),
    ).toBe(true);
    // ... and the granted clock works.
    const t = c.evaluate("clock.now()") as number;
    expect(Math.abs(t - Date.now())).toBeLessThan(60_000);
  });

  it("monotonic never goes backwards", () => {
    const clock = makeClockCap();
    let last = clock.monotonic();
    for (let i = 0; i < 10_000; i += 1) {
      const t = clock.monotonic();
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
  });

  it("invariant 2: coarsened readings are multiples of the granularity", () => {
    const clock = makeClockCap({ coarsenMs: 100 });
    for (let i = 0; i < 1000; i += 1) {
      expect(clock.now() % 100).toBe(0);
      expect(clock.monotonic() % 100).toBe(0);
    }
  });

  it("rejects an invalid granularity; the cap is hardened methods only", () => {
    for (const bad of [0, -1, Number.NaN, Infinity, "10" as unknown as number]) {
      expect(() => makeClockCap({ coarsenMs: bad })).toThrow(
        expect.objectContaining({ code: "CLOCK_INVALID_OPTION" }),
      );
    }
    const clock = makeClockCap();
    expect(Object.isFrozen(clock)).toBe(true);
    expect(Object.keys(clock).sort()).toEqual(["monotonic", "now"]);
  });
});
