// Shadow targets, invariant 3: Node's util.inspect reads a Proxy's target and
// never its traps, so a view must tell it to print the view instead of its
// empty shadow; and printing must never run the owner's getters.
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { makeMembrane } from "../src/index.js";

describe("a view inspects as its content", () => {
  test("property: any JSON-like object or array prints as the original does", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.jsonValue()),
          fc.dictionary(fc.string(), fc.jsonValue(), { noNullPrototype: true }),
        ),
        (value) => {
          const membrane = makeMembrane("inspect");
          // A nested view is laid out on its own: only line breaks and indents may differ.
          const flat = (v: unknown) => inspect(v, { depth: 8 }).replace(/\s+/g, " ");
          expect(flat(membrane.toHost(value))).toBe(flat(value));
        },
      ),
      { numRuns: 200 },
    );
  });

  test("frozen and live views alike, nested to the depth asked", () => {
    const membrane = makeMembrane("inspect");
    const value = { a: 1, list: [1, { b: "x" }], deep: { d: { e: { f: 1 } } } };
    expect(inspect(membrane.toHost(harden(value)))).toBe(inspect(value));
    expect(inspect(membrane.toHost({ ...value }), { depth: 0 })).toBe(inspect(value, { depth: 0 }));
  });

  test("accessors print as [Getter] and never run", () => {
    let ran = 0;
    const membrane = makeMembrane("inspect");
    const view = membrane.toHost({
      get secret() {
        ran += 1;
        return "s";
      },
    });
    expect(inspect(view)).toBe("{ secret: [Getter] }");
    expect(ran).toBe(0);
  });

  test("a revoked view prints as such instead of throwing", () => {
    const membrane = makeMembrane("inspect");
    const view = membrane.toHost({ a: 1 });
    membrane.revoke("gone");
    expect(inspect(view)).toBe("[view that cannot be read]");
  });
});
