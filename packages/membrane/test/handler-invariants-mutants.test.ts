// Mutation tests for membrane-handler.ts (issue 16): the view of an object
// with any mix of property attributes and integrity level, while the host
// keeps changing it, reports what the real object (seen through the policy)
// has, and no operation trips a Proxy invariant. The oracle reads the real
// object with Reflect, never the handler's shadow.
//
// Class closed: a view whose shadow goes stale or too strict (keys the host
// deleted still listed, attributes or extensibility that differ from the
// real object, a TypeError from the engine's invariant checks).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { hide, makeMembrane, observe, readOnly, substitute } from "../src/index.js";
import { guest } from "./support.js";

const KEYS = ["a", "b", "c", "d"];
type Prop = { key: string; configurable: boolean; writable: boolean; enumerable: boolean };

const props = fc.uniqueArray(
  fc.record({
    key: fc.constantFrom(...KEYS),
    configurable: fc.boolean(),
    writable: fc.boolean(),
    enumerable: fc.boolean(),
  }),
  { selector: (p) => p.key, maxLength: 4 },
);

const policies = [
  () => undefined,
  () => readOnly(),
  () => hide(["b"]),
  () => substitute({ c: "sub" }),
  () => observe(() => {}),
];

describe("views of objects of any shape stay exact and never break a Proxy invariant", () => {
  test("class: attributes, integrity levels, host changes between reads", () => {
    fc.assert(
      fc.property(
        props,
        fc.constantFrom("none", "preventExtensions", "seal", "freeze"),
        fc.nat({ max: policies.length - 1 }),
        fc.array(fc.tuple(fc.constantFrom("read", "delete", "write"), fc.constantFrom(...KEYS)), {
          maxLength: 6,
        }),
        (shape, level, pi, steps) => {
          const real: Record<string, unknown> = {};
          shape.forEach((p: Prop, i) =>
            Object.defineProperty(real, p.key, {
              value: i,
              configurable: p.configurable,
              writable: p.writable,
              enumerable: p.enumerable,
            }),
          );
          if (level !== "none")
            (Object as unknown as Record<string, (o: object) => void>)[level]!(real);
          const policy = policies[pi]!();
          const m = makeMembrane("inv");
          const run = guest({ v: policy ? m.wrap(real, policy) : m.wrap(real) });
          const hidden = (k: string) => pi === 2 && k === "b";
          const subbed = (k: string) => pi === 3 && k === "c";
          const check = () => {
            const want = Reflect.ownKeys(real).filter((k) => !hidden(k as string));
            if (pi === 3 && !want.includes("c")) want.push("c");
            expect(run<string[]>("Reflect.ownKeys(v)").slice().sort()).toEqual(
              (want as string[]).sort(),
            );
            expect(run("Object.isExtensible(v)")).toBe(Object.isExtensible(real));
            for (const k of KEYS) {
              const d = run<PropertyDescriptor | undefined>(
                `Object.getOwnPropertyDescriptor(v, ${JSON.stringify(k)})`,
              );
              const r = Reflect.getOwnPropertyDescriptor(real, k);
              if (hidden(k)) expect(d, k).toBeUndefined();
              else if (subbed(k)) expect(d?.value, k).toBe("sub");
              else if (r === undefined) expect(d, k).toBeUndefined();
              else
                expect(d, k).toEqual({
                  ...r,
                  // A view that reported a key fixed keeps it fixed.
                  configurable: r.configurable,
                });
            }
          };
          check();
          for (const [op, k] of steps) {
            if (op === "delete") Reflect.deleteProperty(real, k);
            else if (op === "write") Reflect.set(real, k, 99);
            check();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
