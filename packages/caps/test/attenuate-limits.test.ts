import { describe, expect, it } from "vitest";
import { expiresAt } from "../src/attenuate/attenuate-expiry.js";
import { rateLimit } from "../src/attenuate/attenuate-rate.js";
import { useTimes } from "../src/attenuate/attenuate-uses.js";

/** A host-controlled clock, so no assertion depends on real time. */
const fakeClock = (start = 0) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};
const counter = () => {
  let n = 0;
  return { cap: harden({ hit: () => (n += 1) }), count: () => n };
};

describe("rateLimit", () => {
  it("invariant 1: at most `calls` per sliding window of `perMs`", () => {
    const clock = fakeClock(1000);
    const c = counter();
    const r = rateLimit(c.cap, { calls: 2, perMs: 100, clock, name: "api" });
    r.hit();
    clock.advance(50);
    r.hit();
    expect(() => r.hit()).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Denied: api.hit: more than 2 calls per 100 ms. Try again later.]`,
    );
    clock.advance(50); // the first call leaves the window
    r.hit();
    expect(() => r.hit()).toThrow(expect.objectContaining({ code: "RATE_LIMITED" }));
    clock.advance(1000);
    r.hit();
    r.hit();
    expect(c.count()).toBe(5);
  });

  it("invariant 1/2: matches a naive sliding window over many calls (queue compaction)", () => {
    const clock = fakeClock(0);
    const r = rateLimit(counter().cap, { calls: 2000, perMs: 100, clock });
    const forwarded: number[] = [];
    let denied = 0;
    for (let i = 0; i < 12_000; i += 1) {
      clock.advance(i % 100 === 0 ? 3 : 0.001);
      const now = clock.now();
      const inWindow = forwarded.filter((t) => t > now - 100).length;
      let ok = true;
      try {
        r.hit();
      } catch {
        ok = false;
        denied += 1;
      }
      expect(ok).toBe(inWindow < 2000);
      if (ok) forwarded.push(now);
      // only the last `calls` forwarded times can decide the next answer
      if (forwarded.length > 2000) forwarded.splice(0, forwarded.length - 2000);
    }
    expect(denied).toBeGreaterThan(0);
  });

  it("uses the host clock by default", () => {
    const r = rateLimit(counter().cap, { calls: 1, perMs: 60_000 });
    r.hit();
    expect(() => r.hit()).toThrow(expect.objectContaining({ code: "RATE_LIMITED" }));
  });
});

describe("expiresAt", () => {
  it("invariant 1: stops at the deadline, for good", () => {
    const clock = fakeClock(0);
    const c = counter();
    const e = expiresAt(c.cap, 100, { clock, name: "token" });
    e.hit();
    clock.advance(100);
    expect(() => e.hit()).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Denied: token.hit: the grant expired at 1970-01-01T00:00:00.100Z.]`,
    );
    clock.advance(-50); // a clock going backwards does not revive it
    expect(() => e.hit()).toThrow(expect.objectContaining({ code: "EXPIRED" }));
    expect(c.count()).toBe(1);
  });

  it("accepts a Date and the host clock", () => {
    const e = expiresAt(counter().cap, new Date(Date.now() - 1));
    expect(() => e.hit()).toThrow(expect.objectContaining({ code: "EXPIRED" }));
    expect(() => expiresAt(counter().cap, {} as Date)).toThrow(
      expect.objectContaining({ code: "ATTENUATE_INVALID_OPTION" }),
    );
    expect(() => expiresAt(counter().cap, new Date(Number.NaN))).toThrow(
      expect.objectContaining({ code: "ATTENUATE_INVALID_OPTION" }),
    );
  });
});

describe("useTimes", () => {
  it("invariant 1: n uses over all methods, then USES_EXHAUSTED", () => {
    let n = 0;
    const cap = harden({ a: () => (n += 1), b: () => (n += 10) });
    const u = useTimes(cap, 2, { name: "mailer" });
    u.a();
    u.b();
    expect(() => u.a()).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Denied: mailer.a: the grant allowed 2 uses and all are spent.]`,
    );
    expect(n).toBe(11);
    expect(() => useTimes(cap, 0).a()).toThrow(expect.objectContaining({ code: "USES_EXHAUSTED" }));
  });
});
