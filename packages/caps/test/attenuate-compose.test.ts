/**
 * Composition cannot widen: over random stacks of attenuators and random call
 * sequences, a call reaches the target exactly when every layer, consulted
 * from the outside in, would have allowed it (and hidden methods are absent).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { audited } from "../src/attenuate/attenuate-audit.js";
import { expiresAt } from "../src/attenuate/attenuate-expiry.js";
import { allowMethods } from "../src/attenuate/attenuate-methods.js";
import { byteQuota, callQuota } from "../src/attenuate/attenuate-quota.js";
import { rateLimit } from "../src/attenuate/attenuate-rate.js";
import { revocable } from "../src/attenuate/attenuate-revocable.js";
import { useTimes } from "../src/attenuate/attenuate-uses.js";

const METHODS = ["a", "b", "c"] as const;
type Method = (typeof METHODS)[number];
type Cap = Partial<Record<Method, (s: string) => string>>;

type LayerSpec =
  | { kind: "allow"; keep: Method[] }
  | { kind: "calls"; n: number }
  | { kind: "perMethod"; method: Method; n: number }
  | { kind: "bytes"; n: number }
  | { kind: "rate"; calls: number; perMs: number }
  | { kind: "expires"; at: number }
  | { kind: "uses"; n: number }
  | { kind: "revocable"; at: number }
  | { kind: "audit" };

const layerArb: fc.Arbitrary<LayerSpec> = fc.oneof(
  fc.record({ kind: fc.constant("allow" as const), keep: fc.subarray([...METHODS]) }),
  fc.record({ kind: fc.constant("calls" as const), n: fc.nat(6) }),
  fc.record({
    kind: fc.constant("perMethod" as const),
    method: fc.constantFrom(...METHODS),
    n: fc.nat(4),
  }),
  fc.record({ kind: fc.constant("bytes" as const), n: fc.nat(40) }),
  fc.record({
    kind: fc.constant("rate" as const),
    calls: fc.nat(3),
    perMs: fc.integer({ min: 1, max: 30 }),
  }),
  fc.record({ kind: fc.constant("expires" as const), at: fc.nat(100) }),
  fc.record({ kind: fc.constant("uses" as const), n: fc.nat(6) }),
  fc.record({ kind: fc.constant("revocable" as const), at: fc.nat(12) }),
  fc.record({ kind: fc.constant("audit" as const) }),
);
const callArb = fc.record({
  method: fc.constantFrom(...METHODS),
  arg: fc.string({ maxLength: 6 }),
  dt: fc.nat(15),
});

/** A model of one layer: whether it lets a call through, and its state change when it does. */
interface Model {
  hides(m: Method): boolean;
  allows(m: Method, arg: string, now: number, step: number): boolean;
  pass(m: Method, arg: string, now: number): void;
  /** Called on the layers a call passed, when the target returned. */
  returned?(arg: string): void;
}

const utf8 = (s: string) => new TextEncoder().encode(s).length;

const model = (spec: LayerSpec): Model => {
  switch (spec.kind) {
    case "allow":
      return { hides: (m) => !spec.keep.includes(m), allows: () => true, pass: () => {} };
    case "calls": {
      let used = 0;
      return { hides: () => false, allows: () => used < spec.n, pass: () => void (used += 1) };
    }
    case "perMethod": {
      let used = 0;
      return {
        hides: () => false,
        allows: (m) => m !== spec.method || used < spec.n,
        pass: (m) => void (m === spec.method && (used += 1)),
      };
    }
    case "bytes": {
      let used = 0;
      return {
        hides: () => false,
        allows: (_m, arg) => used < spec.n && used + utf8(arg) <= spec.n,
        pass: (_m, arg) => void (used += utf8(arg)),
        // the target echoes its argument, so the result has the same size
        returned: (arg) => void (used += utf8(arg)),
      };
    }
    case "rate": {
      const recent: number[] = [];
      return {
        hides: () => false,
        allows: (_m, _a, now) => recent.filter((t) => t > now - spec.perMs).length < spec.calls,
        pass: (_m, _a, now) => void recent.push(now),
      };
    }
    case "expires":
      return { hides: () => false, allows: (_m, _a, now) => now < spec.at, pass: () => {} };
    case "uses": {
      let used = 0;
      return { hides: () => false, allows: () => used < spec.n, pass: () => void (used += 1) };
    }
    case "revocable":
      return { hides: () => false, allows: (_m, _a, _now, step) => step < spec.at, pass: () => {} };
    case "audit":
      return { hides: () => false, allows: () => true, pass: () => {} };
  }
};

describe("attenuator composition", () => {
  it("a call succeeds only if every layer would have allowed it; hidden stays hidden", () => {
    fc.assert(
      fc.property(
        fc.array(layerArb, { maxLength: 6 }),
        fc.array(callArb, { maxLength: 25 }),
        (specs, calls) => {
          let now = 0;
          let step = 0;
          const clock = { now: () => now };
          const reached: string[] = [];
          let cap: Cap = harden({
            a: (s: string) => (reached.push(`a:${s}`), s),
            b: (s: string) => (reached.push(`b:${s}`), s),
            c: (s: string) => (reached.push(`c:${s}`), s),
          });
          const revokers: Array<{ at: number; revoke: (r: string) => void }> = [];
          const present = new Set<Method>(METHODS);
          for (const spec of specs) {
            switch (spec.kind) {
              case "allow": {
                const keep = spec.keep.filter((m) => present.has(m));
                cap = allowMethods(cap, keep as Array<keyof Cap & string>) as Cap;
                for (const m of METHODS) if (!keep.includes(m)) present.delete(m);
                break;
              }
              case "calls":
                cap = callQuota(cap, spec.n);
                break;
              case "perMethod":
                cap = callQuota(cap, { [spec.method]: spec.n });
                break;
              case "bytes":
                cap = byteQuota(cap, spec.n);
                break;
              case "rate":
                cap = rateLimit(cap, { calls: spec.calls, perMs: spec.perMs, clock });
                break;
              case "expires":
                cap = expiresAt(cap, spec.at, { clock });
                break;
              case "uses":
                cap = useTimes(cap, spec.n);
                break;
              case "revocable": {
                const r = revocable(cap);
                cap = r.cap;
                revokers.push({ at: spec.at, revoke: r.revoke });
                break;
              }
              case "audit":
                cap = audited(cap, () => {});
                break;
            }
          }
          // Layers are consulted from the outermost (last applied) inwards.
          const models = specs.map(model).reverse();
          let expectedReached = 0;
          for (const call of calls) {
            now += call.dt;
            for (const r of revokers) if (step >= r.at) r.revoke("test");
            const hidden = models.some((m) => m.hides(call.method));
            const fn = cap[call.method];
            expect(typeof fn === "function").toBe(!hidden);
            if (hidden || fn === undefined) {
              step += 1;
              continue;
            }
            // Walk the model: each layer that allows passes the call inward.
            let allowed = true;
            const passed: Model[] = [];
            for (const m of models) {
              if (!m.allows(call.method, call.arg, now, step)) {
                allowed = false;
                break;
              }
              m.pass(call.method, call.arg, now);
              passed.push(m);
            }
            if (allowed) for (const m of passed) m.returned?.(call.arg);
            let result: unknown;
            let threw: unknown;
            try {
              result = fn(call.arg);
            } catch (err) {
              threw = err;
            }
            if (allowed) {
              expect(threw).toBeUndefined();
              expect(result).toBe(call.arg);
              expectedReached += 1;
            } else {
              expect(threw).toBeDefined();
              expect(typeof (threw as { code?: unknown }).code).toBe("string");
            }
            expect(reached.length).toBe(expectedReached);
            step += 1;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
